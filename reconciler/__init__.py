"""fota-reconciler: declarative, GitOps-style reconciler for ThingSpace FOTA campaigns."""

__version__ = "0.1.0"
