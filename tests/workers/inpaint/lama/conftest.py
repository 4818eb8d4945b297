from tests.fileserver import FileServer, file_server

__all__ = ["FileServer", "file_server"]
