//! Kubernetes objects read from YAML/JSON documents: typed with k8s-openapi (feature
//! `v1_35`) and kept as the fields stakelint reads ([`slim`]), each remembering the span
//! tree it came from so any field can be located by its JSON pointer.

use crate::diagnostic::InputError;
use crate::model::{FileId, Origin, Span};
use crate::source::yaml::{self, Node, origin_of};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Node as K8sNode, Pod, Secret, Service};
use std::sync::Arc;

pub mod slim;
use slim::ObjectMeta;

/// A typed Kubernetes object of a kind stakelint reads: typed whole with k8s-openapi, kept
/// as the fields stakelint reads ([`slim`]).
#[derive(Debug, Clone)]
pub enum Typed {
    StatefulSet(Box<slim::Workload>),
    Deployment(Box<slim::Workload>),
    DaemonSet(Box<slim::Workload>),
    ReplicaSet(Box<slim::Workload>),
    Pod(Box<slim::Pod>),
    Job(Box<slim::Meta>),
    CronJob(Box<slim::Meta>),
    Service(Box<slim::Service>),
    ConfigMap(Box<slim::ConfigMap>),
    Secret(Box<slim::Secret>),
    Node(Box<slim::Meta>),
    Hpa(Box<slim::Hpa>),
}

impl Typed {
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Typed::StatefulSet(o)
            | Typed::Deployment(o)
            | Typed::DaemonSet(o)
            | Typed::ReplicaSet(o) => &o.metadata,
            Typed::Job(o) | Typed::CronJob(o) | Typed::Node(o) => &o.metadata,
            Typed::Pod(o) => &o.metadata,
            Typed::Service(o) => &o.metadata,
            Typed::ConfigMap(o) => &o.metadata,
            Typed::Secret(o) => &o.metadata,
            Typed::Hpa(o) => &o.metadata,
        }
    }
}

/// One object and where it is.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: FileId,
    /// The object's compact span tree (its own subtree, also for an item of a `List`).
    pub tree: Arc<yaml::Located>,
    /// Byte range the object occupies (for suppression annotations).
    pub extent: Span,
    /// One of [`KINDS`].
    pub kind: &'static str,
    pub typed: Typed,
}

impl Object {
    /// The span tree node at `ptr` inside this object.
    pub fn node(&self, ptr: &str) -> Option<yaml::NodeRef<'_>> {
        self.tree.pointer(ptr)
    }

    /// Where the value at `ptr` is written.
    pub fn at(&self, ptr: &str) -> Option<Origin> {
        self.node(ptr).map(|n| Origin::new(self.file, n.span()))
    }

    /// Where the key of the mapping entry at `ptr` is written (block mappings are located at
    /// their first child, so a finding about `strategy:` points at the key).
    pub fn key_at(&self, ptr: &str) -> Option<Origin> {
        let (parent, key) = ptr.rsplit_once('/')?;
        let key = key.replace("~1", "/").replace("~0", "~");
        let node = self.node(parent)?;
        node.key_span(&key).map(|s| Origin::new(self.file, s))
    }

    /// `metadata.name` (empty when missing).
    pub fn name(&self) -> &str {
        self.typed.meta().name.as_deref().unwrap_or("")
    }

    /// The origin of `metadata.name`, else of `kind`, else the object's start.
    pub fn name_origin(&self) -> Origin {
        self.at("/metadata/name")
            .or_else(|| self.at("/kind"))
            .unwrap_or(Origin::new(
                self.file,
                Span::new(self.extent.start as usize, 0),
            ))
    }
}

/// RFC 6901 escaping of one pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Kinds stakelint reads (others, CRDs included, are skipped without error).
pub const KINDS: &[&str] = &[
    "StatefulSet",
    "Deployment",
    "DaemonSet",
    "ReplicaSet",
    "Pod",
    "Job",
    "CronJob",
    "Service",
    "ConfigMap",
    "Secret",
    "Node",
    "HorizontalPodAutoscaler",
];

/// Whether stakelint reads documents of `kind` (the kinds of [`KINDS`], a `List` of
/// objects, a stakelint `Inventory`): the YAML of others is not built beyond its top-level
/// scalars ([`yaml::parse_stream_of`]).
pub fn is_read_kind(kind: &str) -> bool {
    KINDS.contains(&kind) || matches!(kind, "List" | "Inventory")
}

/// Whether a document root looks like a Kubernetes object (`apiVersion` and `kind` strings).
pub fn is_object(root: &Node) -> bool {
    root.get("apiVersion")
        .and_then(|n| n.value.as_str())
        .is_some()
        && root.get("kind").and_then(|n| n.value.as_str()).is_some()
}

fn from<T: serde::de::DeserializeOwned>(v: &Node) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(yaml::NodeDeserializer(v)).map_err(|e| {
        let ptr: String = e
            .path()
            .iter()
            .map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => format!("/{index}"),
                serde_path_to_error::Segment::Map { key } => format!("/{}", escape(key)),
                serde_path_to_error::Segment::Enum { variant } => format!("/{}", escape(variant)),
                serde_path_to_error::Segment::Unknown => String::new(),
            })
            .collect();
        (ptr, e.into_inner().to_string())
    })
}

/// Types the object at `base` of `tree`. `Ok(None)` for kinds stakelint does not read.
pub fn typed(
    file: FileId,
    tree: &Arc<yaml::At<Node>>,
    base: &str,
    extent: Span,
) -> Result<Option<Object>, InputError> {
    let Some(node) = Node::pointer(tree, base) else {
        return Ok(None);
    };
    let written = node.value.get("kind").and_then(|k| k.value.as_str());
    let Some(&kind) = KINDS.iter().find(|k| Some(**k) == written) else {
        return Ok(None);
    };
    let v = &node.value;
    // Typed whole (every field checked), then kept slim.
    let t = match kind {
        "StatefulSet" => from::<StatefulSet>(v).map(|o| Typed::StatefulSet(Box::new(o.into()))),
        "Deployment" => from::<Deployment>(v).map(|o| Typed::Deployment(Box::new(o.into()))),
        "DaemonSet" => from::<DaemonSet>(v).map(|o| Typed::DaemonSet(Box::new(o.into()))),
        "ReplicaSet" => from::<ReplicaSet>(v).map(|o| Typed::ReplicaSet(Box::new(o.into()))),
        "Pod" => from::<Pod>(v).map(|o| Typed::Pod(Box::new(o.into()))),
        "Job" => from::<Job>(v).map(|o| Typed::Job(Box::new(o.into()))),
        "CronJob" => from::<CronJob>(v).map(|o| Typed::CronJob(Box::new(o.into()))),
        "Service" => from::<Service>(v).map(|o| Typed::Service(Box::new(o.into()))),
        "ConfigMap" => from::<ConfigMap>(v).map(|o| Typed::ConfigMap(Box::new(o.into()))),
        "Secret" => from::<Secret>(v).map(|o| Typed::Secret(Box::new(o.into()))),
        "Node" => from::<K8sNode>(v).map(|o| Typed::Node(Box::new(o.into()))),
        _ => from::<HorizontalPodAutoscaler>(v).map(|o| Typed::Hpa(Box::new(o.into()))),
    };
    match t {
        Ok(typed) => Ok(Some(Object {
            file,
            tree: Arc::new(yaml::Located::from_node(node)),
            extent,
            kind,
            typed,
        })),
        Err((ptr, why)) => {
            let at = Node::pointer(tree, &format!("{base}{ptr}"))
                .map_or_else(|| origin_of(file, 0, node), |n| origin_of(file, 0, n));
            // A Secret's values are secret: name the field, never echo serde's message
            // (it may quote the value).
            let message = if kind == "Secret" {
                format!("invalid Secret: field `{ptr}` does not have the expected type or encoding")
            } else {
                format!("invalid {kind}: {why}")
            };
            Err(
                InputError::at("kubernetes", at, message).label(if ptr.is_empty() {
                    "here".to_owned()
                } else {
                    ptr
                }),
            )
        }
    }
}
