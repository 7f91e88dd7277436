"""Names that become store paths (dumps, chunks, recipes, mixes, versions) cannot leave the store root,
whether they come from a caller of the Store API, the command line, a settings file, a crawl folder
or a mix recipe file: each is refused with the name shown, and nothing is written anywhere."""

from __future__ import annotations

import shutil

import pytest
from dagster import DagsterInstance, build_sensor_context

from assets.proxy_sensors import mix_sensor
from assets.sensors import crawl_sensor
from factory.crawl import CrawlSourceError
from factory.generation.recipes import RecipeError, parse_recipe
from factory.mixing import MixRecipeError
from factory.store import Store, UnsafePartitionKeyError, parse_partition
from factory.store.partitions import check_value
from factory.store.writer import open_writer
from resources import CrawlResource, StoreResource
from resources.trainer import MixRecipesResource
from support.sensors import sensor_resources

ESCAPES = ["..", "../x", "/abs", "/etc/passwd", "a/../../b", "", "\x00", "a\x00b", "a\\b", "..\\..\\x", "C:\\x", "x\n", "\nx",
           " x", "x y", "./x", ".hidden", "~", "a/b", "%2e%2e", "-rf", "x" * 201]


@pytest.mark.parametrize("bad", ESCAPES)
def test_check_value_refuses_names_that_could_leave_the_root(bad):
    with pytest.raises(UnsafePartitionKeyError, match="is not allowed in store paths"):
        check_value(bad, "dump name")


@pytest.mark.parametrize("good", ["CC-MAIN-2024-18", "olmo_c4", "000", "web-synthetic-95-5", "fineweb-kept", "finephrase_faq",
                                  "proxy-1.7b", "a@b+c"])
def test_check_value_keeps_the_names_the_factory_uses(good):
    assert check_value(good) == good


@pytest.mark.parametrize("bad", ESCAPES)
def test_the_store_refuses_bad_dump_chunk_recipe_and_mix_names_and_writes_nothing(bad, tmp_path):
    root = tmp_path / "store"
    store = Store(str(root))
    partitions = [
        ("raw_crawl", {"dump": bad, "chunk": "000"}),  # a dump name
        ("filtered", {"dump": "CC-MAIN-2024-18", "chunk": bad}),  # a chunk name
        ("synthetic", {"dump": "CC-MAIN-2024-18", "recipe": bad}),  # a recipe name
        ("mixed", bad or ".."),  # a mix name (empty: the unpartitioned 'all' is legitimate, so '..' stands in)
        ("deduped", bad or ".."),  # a dump-level partition
    ]
    for asset, partition in partitions:
        with pytest.raises(UnsafePartitionKeyError):
            open_writer(store, asset, partition, code_version="1", config={})
        with pytest.raises(UnsafePartitionKeyError):
            store.current(asset, partition)
    with pytest.raises(UnsafePartitionKeyError):
        open_writer(store, bad or "..", "CC-MAIN-2024-18", code_version="1", config={})  # an asset name
    with pytest.raises(UnsafePartitionKeyError):
        store.version_dir("mixed", "web-only", bad or "..")  # a version
    assert sorted(p.name for p in tmp_path.iterdir()) == (["store"] if root.exists() else [])
    assert not root.exists() or not any(root.rglob("*"))


def test_a_local_or_s3_store_refuses_a_climbing_partition(store):
    with pytest.raises(UnsafePartitionKeyError):
        open_writer(store, "synthetic", {"dump": "d", "recipe": "../../other-prefix"}, code_version="1", config={})


@pytest.mark.parametrize("text", ["dump=../../etc/chunk=000", "dump=a/chunk=..", "dump=/abs,chunk=000", "../x", "dump=a\\b/chunk=000",
                                  "dump=a/chunk=000/../../x", "Dump=a/chunk=000", ""])
def test_partitions_typed_on_the_command_line_are_checked(text):
    with pytest.raises(UnsafePartitionKeyError):
        parse_partition(text)


def test_a_crawl_folder_with_an_unsafe_dump_name_fails_the_sensor_before_any_partition_is_added(tmp_path, web_data):
    crawl = tmp_path / "crawl"
    for name in ("good-dump", "bad..dump"):
        (crawl / name).mkdir(parents=True)
        shutil.copy(web_data / "dolma" / "sample-0000.warc.gz", crawl / name / "a.warc.gz")
    instance = DagsterInstance.ephemeral()
    with pytest.raises(CrawlSourceError, match=r"dump name 'bad\.\.dump' is not allowed.*rename the dump's folder"):
        crawl_sensor(build_sensor_context(instance=instance, resources=sensor_resources(
            crawl=CrawlResource(source=str(crawl)), store=StoreResource(root=str(tmp_path / "store")))))
    assert instance.get_dynamic_partitions("dumps") == []


@pytest.mark.parametrize("dump", ["../etc", "a\\b", "x y"])
def test_a_commoncrawl_dump_id_that_is_not_a_safe_key_fails_when_the_resource_is_built(dump):
    with pytest.raises(ValueError, match="dump id .* is not allowed in store paths"):
        CrawlResource(source=f"commoncrawl:CC-MAIN-2024-18,{dump}")


def test_a_mix_file_whose_name_is_not_a_safe_key_fails_the_mix_sensor_naming_the_file(tmp_path):
    folder = tmp_path / "mixes"
    folder.mkdir()
    (folder / "a..b.yaml").write_text("name: a..b\ntotal_tokens: 1000\nsources:\n  - {asset: deduped, weight: 1}\n")
    instance = DagsterInstance.ephemeral()
    resources = sensor_resources(store=StoreResource(root=str(tmp_path / "store")), mix_recipes=MixRecipesResource(folder=str(folder)))
    with pytest.raises(MixRecipeError, match=r"a\.\.b\.yaml.*mix name 'a\.\.b' is not allowed in store paths"):
        mix_sensor(build_sensor_context(instance=instance, resources=resources))
    assert instance.get_dynamic_partitions("mixes") == []


@pytest.mark.parametrize("name", ["../evil", "/abs", "a\\b", "Evil", "x y"])
def test_a_recipe_name_that_is_not_snake_case_is_refused_naming_the_file(name):
    raw = {"name": name, "version": 1, "follows": "x", "user": "Rewrite:\n{text}", "sampling": {}}
    with pytest.raises(RecipeError, match=r"recipes/evil\.yaml: name .* must be snake_case"):
        parse_recipe(raw, "recipes/evil.yaml")


@pytest.mark.parametrize("name", ["../../pyproject", "/etc/passwd", "faq\n", "a/b"])
def test_a_recipe_partition_that_is_not_a_recipe_name_is_refused_before_any_file_is_read(name):
    from factory.generation.recipes import load_recipe

    with pytest.raises(RecipeError, match="is not a recipe name"):
        load_recipe(name)
