"""`python -m brainlab` (and `torchrun -m brainlab`): the same as the `brainlab` command."""
import sys

from .cli import main

sys.exit(main())
