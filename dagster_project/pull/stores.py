"""Object stores (S3, Google Cloud Storage, Azure Blob) behind one small interface.

Each client lists the objects below a prefix (key, etag, size, last modified) and downloads one
object to a local file. Credentials come only from the environment / the SDK's standard chain:
- S3: boto3's chain (AWS_PROFILE, AWS_ACCESS_KEY_ID..., SSO, instance role); AWS_ENDPOINT_URL
  (or the source's endpoint_url_env) points it at another server;
- GCS: Application Default Credentials; STORAGE_EMULATOR_HOST points it at an emulator;
- Azure: the connection string in AZURE_STORAGE_CONNECTION_STRING (or the source's
  connection_string_env), else account_url with azure-identity's DefaultAzureCredential.
`credentials_missing()` says why a source cannot run (it is then skipped, not failed).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dagster_project.pull.config import PullSource


@dataclass(frozen=True)
class RemoteObject:
    key: str
    etag: str
    size: int
    last_modified: dt.datetime | None


def _utc_naive(value) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


class StoreClient:
    def __init__(self, source: PullSource):
        self.source = source

    def credentials_missing(self) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def list_objects(self) -> Iterator[RemoteObject]:  # pragma: no cover - interface
        raise NotImplementedError

    def download(self, key: str, dest: Path) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def location(self) -> str:
        return f"{self.source.kind}://{self.source.bucket}/{self.source.prefix}"


class S3Client(StoreClient):
    def _client(self):
        if "_c" in self.__dict__:
            return self._c
        import boto3

        endpoint = os.environ.get(self.source.endpoint_url_env) if self.source.endpoint_url_env else None
        # boto3 itself honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 when no endpoint is given
        self._c = boto3.session.Session().client("s3", endpoint_url=endpoint or None)
        return self._c

    def credentials_missing(self) -> str | None:
        import boto3

        if boto3.session.Session().get_credentials() is None:
            return "no AWS credentials found by boto3's standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance role)"
        return None

    def list_objects(self) -> Iterator[RemoteObject]:
        paginator = self._client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.source.bucket, Prefix=self.source.prefix):
            for obj in page.get("Contents", []):
                yield RemoteObject(obj["Key"], obj["ETag"].strip('"'), int(obj["Size"]), _utc_naive(obj.get("LastModified")))

    def download(self, key: str, dest: Path) -> None:
        self._client().download_file(self.source.bucket, key, str(dest))


class GCSClient(StoreClient):
    def _client(self):
        if "_c" in self.__dict__:
            return self._c
        from google.cloud import storage

        # with STORAGE_EMULATOR_HOST set the client talks to the emulator with anonymous credentials
        self._c = storage.Client(project=self.source.extra.get("project"))
        return self._c

    def credentials_missing(self) -> str | None:
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            return None
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            google.auth.default()
        except DefaultCredentialsError:
            return "no Google Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud auth application-default login)"
        return None

    def list_objects(self) -> Iterator[RemoteObject]:
        for blob in self._client().list_blobs(self.source.bucket, prefix=self.source.prefix or None):
            if blob.name.endswith("/"):
                continue
            # the generation changes on every rewrite, even of identical bytes; the md5/etag is the content
            yield RemoteObject(blob.name, str(blob.md5_hash or blob.crc32c or blob.etag), int(blob.size or 0), _utc_naive(blob.updated))

    def download(self, key: str, dest: Path) -> None:
        self._client().bucket(self.source.bucket).blob(key).download_to_filename(str(dest))


class AzureBlobClient(StoreClient):
    def _container(self):
        if "_c" in self.__dict__:
            return self._c
        from azure.storage.blob import BlobServiceClient

        conn_str = os.environ.get(self.source.connection_string_env)
        if conn_str:
            service = BlobServiceClient.from_connection_string(conn_str)
        else:
            from azure.identity import DefaultAzureCredential

            service = BlobServiceClient(self.source.account_url, credential=DefaultAzureCredential())
        self._c = service.get_container_client(self.source.bucket)
        return self._c

    def credentials_missing(self) -> str | None:
        if os.environ.get(self.source.connection_string_env):
            return None
        if not self.source.account_url:
            return f"{self.source.connection_string_env} is not set (and no account_url for the Azure credential chain)"
        try:
            import azure.identity  # noqa: F401
        except ImportError:
            return f"{self.source.connection_string_env} is not set and azure-identity is not installed for account_url"
        return None

    def list_objects(self) -> Iterator[RemoteObject]:
        for blob in self._container().list_blobs(name_starts_with=self.source.prefix or None):
            yield RemoteObject(blob.name, str(blob.etag).strip('"'), int(blob.size or 0), _utc_naive(blob.last_modified))

    def download(self, key: str, dest: Path) -> None:
        with open(dest, "wb") as fh:
            self._container().download_blob(key).readinto(fh)


CLIENTS = {"s3": S3Client, "gcs": GCSClient, "azure_blob": AzureBlobClient}


def store_client(source: PullSource) -> StoreClient:
    return CLIENTS[source.kind](source)
