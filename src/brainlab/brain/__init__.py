"""brainlab.brain: spiking neurons, synapses and plasticity (NumPy and SciPy sparse)."""
from .convert import SpikingNetwork, convert_to_spiking
from .monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from .inputs import PoissonGroup, SpikeTrainGroup
from .network import Network, PoissonInput
from .neurons import (ADEX_PRESETS, IZHIKEVICH_PRESETS, AdExGroup, HodgkinHuxleyGroup,
                      IzhikevichGroup, LIFGroup)
from .plasticity import STDP, hebb_step, oja_step, train_oja
from .spike_response import SRMGroup
from .synapses import Synapses

__all__ = ["LIFGroup", "IzhikevichGroup", "HodgkinHuxleyGroup", "AdExGroup", "SRMGroup",
           "PoissonGroup", "SpikeTrainGroup", "IZHIKEVICH_PRESETS", "ADEX_PRESETS", "Synapses",
           "Network", "PoissonInput", "SpikeMonitor", "StateMonitor", "PopulationRateMonitor",
           "STDP", "hebb_step", "oja_step", "train_oja", "convert_to_spiking", "SpikingNetwork"]
