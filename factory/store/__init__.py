from factory.store.filesystem import FolderSpec, StorageOptions, join_folder
from factory.store.manifest import FileEntry, InputRef, Manifest, SourceFile
from factory.store.partitions import UnsafePartitionKeyError, parse_partition, partition_label, partition_path
from factory.store.store import Store, VersionNotFoundError
from factory.store.writer import VersionWriter

__all__ = [
    "FileEntry", "FolderSpec", "InputRef", "join_folder", "Manifest", "SourceFile", "StorageOptions", "Store", "UnsafePartitionKeyError",
    "VersionNotFoundError", "VersionWriter", "parse_partition", "partition_label", "partition_path",
]
