"""brainlab.brain: spiking neurons, synapses and plasticity (NumPy and SciPy sparse)."""
from .monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from .network import Network, PoissonInput
from .neurons import (IZHIKEVICH_PRESETS, HodgkinHuxleyGroup, IzhikevichGroup, LIFGroup,
                      PoissonGroup, SpikeTrainGroup, SRMGroup)
from .plasticity import STDP, hebb_step, oja_step, train_oja
from .synapses import Synapses

__all__ = ["LIFGroup", "IzhikevichGroup", "HodgkinHuxleyGroup", "SRMGroup", "PoissonGroup",
           "SpikeTrainGroup",
           "IZHIKEVICH_PRESETS", "Synapses", "Network", "PoissonInput", "SpikeMonitor",
           "StateMonitor", "PopulationRateMonitor", "STDP", "hebb_step", "oja_step", "train_oja"]
