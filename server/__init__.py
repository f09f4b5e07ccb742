"""The central server (FastAPI). Built in the sync issue; only the package exists so far."""
