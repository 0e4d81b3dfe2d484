"""File ingestion: one SourceSpec per landing folder, loaded by the generic registry."""

from dagster_project.ingest import aws_cur
from dagster_project.ingest.base import SourceSpec

# Landing folder name -> spec. Add a source here (see README "Adding a source").
SOURCES: dict[str, SourceSpec] = {
    aws_cur.SPEC.name: aws_cur.SPEC,
}
