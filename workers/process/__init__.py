"""The process stage: the page's text lines -> its layout (`workers.process.base`)."""
