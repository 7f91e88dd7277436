from factory.models.smollm2 import ModelNotInstalledError, ensure_smollm2
from factory.models.tokenizer import count_tokens, load_tokenizer

__all__ = ["ModelNotInstalledError", "count_tokens", "ensure_smollm2", "load_tokenizer"]
