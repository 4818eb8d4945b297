"""`itp serve`: the HTTP + WebSocket server in front of a pipeline (DESIGN.md, "HTTP and
WebSocket"). `backend.server.app.create_app` builds the Starlette app; `backend.cmd_serve` is
the command."""
