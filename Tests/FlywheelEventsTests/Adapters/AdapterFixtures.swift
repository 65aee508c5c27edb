/// Payloads as the tools send them, following each tool's documented format; hosts and ids are made up.
enum AdapterFixtures {
    /// An Alertmanager v4 webhook with one firing and one resolved alert.
    static let alertmanager = #"""
    {
      "receiver": "flywheel-kafka",
      "status": "firing",
      "alerts": [
        {
          "status": "firing",
          "labels": {
            "alertname": "ModelDriftHigh",
            "kind": "drift",
            "metric": "psi",
            "model": "churn-model",
            "model_version": "8",
            "severity": "page",
            "team": "ml",
            "window": "1h"
          },
          "annotations": {
            "summary": "PSI of churn-model is above 0.2",
            "value": "0.31",
            "threshold": "0.2"
          },
          "startsAt": "2026-11-22T10:00:00.123456789Z",
          "endsAt": "0001-01-01T00:00:00Z",
          "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=model_psi%3E0.2&g0.tab=1",
          "fingerprint": "a1b2c3d4e5f60718"
        },
        {
          "status": "resolved",
          "labels": {
            "alertname": "HighP99Latency",
            "model_name": "fraud-scorer",
            "severity": "warning",
            "team": "ml"
          },
          "annotations": {
            "description": "p99 latency of fraud-scorer was above 300 ms",
            "value": "412.5",
            "threshold": "n/a",
            "window": "15m"
          },
          "startsAt": "2026-11-22T09:00:00Z",
          "endsAt": "2026-11-22T09:45:30Z",
          "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=p99_latency_ms%3E300&g0.tab=1",
          "fingerprint": "0f1e2d3c4b5a6978"
        }
      ],
      "groupLabels": {"team": "ml"},
      "commonLabels": {"team": "ml"},
      "commonAnnotations": {},
      "externalURL": "http://alertmanager.example.internal:9093",
      "version": "4",
      "groupKey": "{}:{team=\"ml\"}",
      "truncatedAlerts": 0
    }
    """#

    /// A GitHub push of two commits to `main`.
    static let githubPush = #"""
    {
      "ref": "refs/heads/main",
      "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
      "after": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
      "repository": {
        "id": 186853002,
        "name": "churn",
        "full_name": "acme/churn",
        "private": true,
        "owner": {"name": "acme", "login": "acme"},
        "html_url": "https://github.example.com/acme/churn",
        "default_branch": "main",
        "pushed_at": 1795345531
      },
      "pusher": {"name": "octo-ml", "email": "octo-ml@example.com"},
      "sender": {"login": "octo-ml", "id": 21031067, "type": "User"},
      "created": false,
      "deleted": false,
      "forced": false,
      "base_ref": null,
      "compare": "https://github.example.com/acme/churn/compare/6113728f27ae...59b20b8d5c6f",
      "commits": [
        {
          "id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
          "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
          "distinct": true,
          "message": "Add a PSI monitor for churn-model",
          "timestamp": "2026-11-22T10:58:02+01:00",
          "url": "https://github.example.com/acme/churn/commit/0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
          "author": {"name": "Ada Lovelace", "email": "ada@example.com", "username": "ada"},
          "committer": {"name": "Ada Lovelace", "email": "ada@example.com", "username": "ada"},
          "added": ["monitoring/psi.py"],
          "removed": [],
          "modified": ["pipelines/train.py", "README.md"]
        },
        {
          "id": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
          "tree_id": "1f3c4e5d6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e",
          "distinct": true,
          "message": "Drop the old feature builder",
          "timestamp": "2026-11-22T11:05:31+01:00",
          "url": "https://github.example.com/acme/churn/commit/59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
          "author": {"name": "Grace Hopper", "email": "grace@example.com", "username": "grace"},
          "committer": {"name": "Grace Hopper", "email": "grace@example.com", "username": "grace"},
          "added": [],
          "removed": ["features/old_builder.py"],
          "modified": ["pipelines/train.py"]
        }
      ],
      "head_commit": {
        "id": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
        "tree_id": "1f3c4e5d6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e",
        "distinct": true,
        "message": "Drop the old feature builder",
        "timestamp": "2026-11-22T11:05:31+01:00",
        "url": "https://github.example.com/acme/churn/commit/59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
        "author": {"name": "Grace Hopper", "email": "grace@example.com", "username": "grace"},
        "committer": {"name": "Grace Hopper", "email": "grace@example.com", "username": "grace"},
        "added": [],
        "removed": ["features/old_builder.py"],
        "modified": ["pipelines/train.py"]
      }
    }
    """#

    /// A GitHub push of tag `v1.4.0`.
    static let githubTagPush = #"""
    {
      "ref": "refs/tags/v1.4.0",
      "before": "0000000000000000000000000000000000000000",
      "after": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
      "repository": {"full_name": "acme/churn", "html_url": "https://github.example.com/acme/churn"},
      "pusher": {"name": "octo-ml", "email": "octo-ml@example.com"},
      "created": true,
      "deleted": false,
      "forced": false,
      "base_ref": "refs/heads/main",
      "commits": [],
      "head_commit": {
        "id": "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
        "timestamp": "2026-11-22T11:05:31+01:00",
        "author": {"name": "Grace Hopper", "email": "grace@example.com", "username": "grace"}
      }
    }
    """#

    /// A GitHub push that deleted branch `feature/psi`.
    static let githubBranchDeletion = #"""
    {
      "ref": "refs/heads/feature/psi",
      "before": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
      "after": "0000000000000000000000000000000000000000",
      "repository": {"full_name": "acme/churn", "html_url": "https://github.example.com/acme/churn"},
      "pusher": {"name": "octo-ml", "email": "octo-ml@example.com"},
      "created": false,
      "deleted": true,
      "forced": false,
      "base_ref": null,
      "commits": [],
      "head_commit": null
    }
    """#

    /// An AWS S3 notification: an upload with a URL-encoded key and row-count metadata, then a deletion.
    static let s3 = #"""
    {
      "Records": [
        {
          "eventVersion": "2.1",
          "eventSource": "aws:s3",
          "awsRegion": "eu-west-1",
          "eventTime": "2026-11-22T10:00:00.000Z",
          "eventName": "ObjectCreated:Put",
          "userIdentity": {"principalId": "AWS:AIDAEXAMPLEID"},
          "requestParameters": {"sourceIPAddress": "203.0.113.7"},
          "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
          "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "flywheel-arrivals",
            "bucket": {"name": "acme-lake", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::acme-lake"},
            "object": {
              "key": "sales-eu/dt%3D2026-11-22/daily+export+%231.parquet",
              "size": 73400320,
              "eTag": "9b2cf535f27731c974343645a3985328",
              "versionId": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
              "sequencer": "0055AED6DCD90281E5"
            }
          },
          "userMetadata": {"x-amz-meta-rows": "420000"}
        },
        {
          "eventVersion": "2.1",
          "eventSource": "aws:s3",
          "awsRegion": "eu-west-1",
          "eventTime": "2026-11-22T10:00:01.000Z",
          "eventName": "ObjectRemoved:Delete",
          "userIdentity": {"principalId": "AWS:AIDAEXAMPLEID"},
          "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "flywheel-arrivals",
            "bucket": {"name": "acme-lake", "ownerIdentity": {"principalId": "A3NL1KOZZKExample"}, "arn": "arn:aws:s3:::acme-lake"},
            "object": {"key": "sales-eu/dt%3D2026-11-21/daily+export+%231.parquet", "sequencer": "0055AED6DCD90281E6"}
          }
        }
      ]
    }
    """#

    /// A MinIO bucket notification, which adds `EventName` and `Key` and escapes `/` in the object key.
    static let minio = #"""
    {
      "EventName": "s3:ObjectCreated:Put",
      "Key": "clickstream/web/2026/11/22/events-00.json.gz",
      "Records": [
        {
          "eventVersion": "2.0",
          "eventSource": "minio:s3",
          "awsRegion": "",
          "eventTime": "2026-11-22T10:15:42.417Z",
          "eventName": "s3:ObjectCreated:Put",
          "userIdentity": {"principalId": "flywheel-writer"},
          "requestParameters": {"principalId": "flywheel-writer", "region": "", "sourceIPAddress": "10.0.0.12"},
          "responseElements": {
            "x-amz-id-2": "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8",
            "x-amz-request-id": "17A9B5C3D2E1F0A1",
            "x-minio-deployment-id": "6b1d7a0e-5c2f-4e8a-9b3d-2f1e0c9a8b7d",
            "x-minio-origin-endpoint": "http://10.0.0.5:9000"
          },
          "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "Config",
            "bucket": {"name": "clickstream", "ownerIdentity": {"principalId": "flywheel-writer"}, "arn": "arn:aws:s3:::clickstream"},
            "object": {
              "key": "web%2F2026%2F11%2F22%2Fevents-00.json.gz",
              "size": 1048576,
              "eTag": "d41d8cd98f00b204e9800998ecf8427e",
              "contentType": "application/gzip",
              "userMetadata": {"X-Amz-Meta-Rows": "12500", "content-type": "application/gzip"},
              "sequencer": "17A9B5C3D2E1F000"
            }
          },
          "source": {"host": "10.0.0.12", "port": "", "userAgent": "MinIO (linux; amd64) minio-go/v7.0.63"}
        }
      ]
    }
    """#

    /// An MLflow registry webhook for a new model version, with the run and the artifact location.
    static let mlflowVersionCreated = #"""
    {
      "event": "MODEL_VERSION_CREATED",
      "webhook_id": "c5596721253c4b429368cf6f4341b88a",
      "event_timestamp": 1795341600250,
      "model_name": "churn-model",
      "version": "8",
      "run_id": "4f2a9c1d8e7b4b1f9d0c2a3b5e6f7a8b",
      "source": "s3://acme-mlflow/artifacts/3/4f2a9c1d8e7b4b1f9d0c2a3b5e6f7a8b/artifacts/model",
      "text": "Registered model 'churn-model' version 8 created."
    }
    """#

    /// An MLflow registry webhook for a stage transition, with the registry's storage location.
    static let mlflowTransitioned = #"""
    {
      "event": "MODEL_VERSION_TRANSITIONED_STAGE",
      "webhook_id": "c5596721253c4b429368cf6f4341b88a",
      "event_timestamp": 1795345200000,
      "model_name": "churn-model",
      "version": "8",
      "to_stage": "Production",
      "from_stage": "Staging",
      "storage_location": "dbfs:/databricks/mlflow-registry/9f8e7d6c5b4a/models/churn-model",
      "text": "Registered model 'churn-model' version 8 transitioned from Staging to Production."
    }
    """#
}
