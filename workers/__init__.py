"""What runs outside the Dagster run process, on the machine that has the GPU: factory steps behind Dagster Pipes.

Each module here is a command (``python -m workers.<step>``) that an asset launches through a Pipes
client (a subprocess on one machine, a Kubernetes pod or an ECS task on a cluster). It reads its
parameters from the Pipes extras, runs the same factory step the asset would, and reports the
materialization (content hash as data version, store version, counts) back through Pipes. Only
``dagster_pipes`` is imported here, never ``dagster``: the GPU image needs the factory and that
small protocol package, not the orchestrator.
"""
