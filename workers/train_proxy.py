"""``python -m workers.train_proxy``: train the proxy of one mix (the ``proxy_model`` step) behind Dagster Pipes.

Extras: ``store_root``, ``store_endpoint``, ``mix``, ``proxy_config`` (the resolved config as a mapping).
"""

from __future__ import annotations

from dagster_pipes import open_dagster_pipes

from workers.report import open_store, prepare, report


def main() -> None:
    prepare()
    from factory.training.config import ProxyConfig
    from factory.training.step import train_proxy

    with open_dagster_pipes() as pipes:
        extras = pipes.extras
        config = ProxyConfig.from_dict(extras["proxy_config"], where="pipes extras")
        result = train_proxy(open_store(extras), extras["mix"], config, run_id=pipes.run_id)
        stats = result.manifest.stats
        # A preempted run's rerun resumes from the store: committed seeds are skipped, the others continue at their checkpoint.
        resumed = {s["seed"]: s["resumed_from_step"] for s in stats.get("per_seed", []) if s.get("resumed_from_step")}
        pipes.log.info(f"proxy {config.name} on {extras['mix']}: loss {stats.get('final_loss')}, "
                       f"{stats.get('tokens_per_s')} tokens/s (reused={result.reused}"
                       + (f", resumed seed: step {resumed})" if resumed else ")"))
        report(pipes, result, final_loss=stats.get("final_loss"), tokens_per_s=stats.get("tokens_per_s"), mfu=stats.get("mfu"),
               gpu_hours=stats.get("gpu_hours"), device=stats.get("device"), proxy_config=stats.get("config_name"),
               steps_resumed=sum(resumed.values()))


if __name__ == "__main__":
    main()
