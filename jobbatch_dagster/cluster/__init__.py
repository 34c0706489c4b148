"""Beyond one machine: the shared services and settings of the cluster mode."""
