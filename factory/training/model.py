"""A Llama-architecture causal LM built from scratch from a ModelShape, and its FLOPs per token."""

from __future__ import annotations

from factory.training.config import ModelShape, ProxyConfig

EOS_ID = 0  # <|endoftext|>: the document separator in the shards, in every vocabulary prefix


def llama_config(shape: ModelShape, context: int):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=shape.vocab_size, hidden_size=shape.hidden_size, intermediate_size=shape.intermediate_size,
        num_hidden_layers=shape.num_layers, num_attention_heads=shape.num_heads,
        num_key_value_heads=shape.num_kv_heads or shape.num_heads, max_position_embeddings=context,
        tie_word_embeddings=shape.tie_embeddings, rope_theta=shape.rope_theta, bos_token_id=EOS_ID,
        eos_token_id=EOS_ID, pad_token_id=EOS_ID, initializer_range=0.02, use_cache=False,
    )


def build_model(config: ProxyConfig, seed: int | None = None):
    """Randomly initialised LlamaForCausalLM (fp32 master weights)."""
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(config.seed if seed is None else seed)
    model = LlamaForCausalLM(llama_config(config.model, config.context))
    model.config.use_cache = False
    return model


def parameter_counts(model) -> dict[str, int]:
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    return {"params": total, "embedding_params": embedding, "non_embedding_params": total - embedding}


def flops_per_token(config: ProxyConfig, counts: dict[str, int]) -> float:
    """Training FLOPs per token, as PaLM (appendix B) counts them: 6N + 12 L d T.

    N counts the weights used in matmuls: everything except the input-embedding lookup, with a
    tied embedding counted once (it is the output layer). The attention term is the
    QK^T and AV products over the full context.
    """
    shape = config.model
    matmul_params = counts["params"] - (0 if shape.tie_embeddings else counts["embedding_params"])
    return 6.0 * matmul_params + 12.0 * shape.num_layers * shape.hidden_size * config.context
