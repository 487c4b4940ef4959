import gc

from app import create_app

app = create_app()

# The app's own objects (views, forms, catalogs, mappers) live as long as the process: keep them out of the
# garbage collector's full collections, which otherwise walk them every few hundred requests (p95 spikes).
gc.freeze()
