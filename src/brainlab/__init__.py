"""brainlab: how neural networks work, from the brain's neurons to transfer learning for language.

Three parts: ``brainlab.nn`` (a NumPy engine), ``brainlab.text`` (transfer
learning for text classification) and ``brainlab.brain`` (spiking neurons).
Import the part you need; ``import brainlab`` itself stays light.
"""
__version__ = "0.1.0"
