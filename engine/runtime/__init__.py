"""The local runtime: the Temporal dev server, Mockoon and worker processes, supervised.

Entry points: `supervisor.Supervisor` / `ensure.ensure_runtime` (start or attach),
`state.read_runtime` / `state.attach` (find a running one), `health.check_runtime`.
Nothing is imported here, so `import engine.runtime.errors` stays cheap.
"""
