"""Serving a saved text classifier over HTTP: ``create_app(model_dir)`` is an ASGI app;
``brainlab text serve MODEL`` runs it under uvicorn."""
from .app import create_app
from .batcher import DynamicBatcher

__all__ = ["create_app", "DynamicBatcher"]
