"""brainlab.nn: a neural-network engine from first principles, in NumPy."""
from .activations import ACTIVATIONS, get_activation
from .callbacks import Callback, EarlyStopping, History, LearningRateScheduler
from .gradcheck import check_gradients, numerical_gradients
from .layers import Activation, Dense, Dropout
from .losses import LOSSES, get_loss
from .model import Sequential
from .optimizers import LBFGS, SGD, Adam, get_optimizer
from .perceptron import Perceptron

__all__ = ["Sequential", "Dense", "Activation", "Dropout", "Perceptron", "SGD", "Adam", "LBFGS",
           "History", "Callback", "EarlyStopping", "LearningRateScheduler", "ACTIVATIONS",
           "LOSSES", "get_activation", "get_loss", "get_optimizer", "check_gradients",
           "numerical_gradients"]
