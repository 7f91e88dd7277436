"""Proxy training: a Llama-architecture model trained from scratch on a mix, small enough to
rank mixes. The model, data, loop and MFU modules need only torch, transformers, numpy and
PyYAML (the GPU benchmark runs them without the rest of the factory); ``step`` adds the store.
Import from the submodules: this package file stays empty so importing it costs nothing."""
