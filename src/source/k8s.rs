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
    /// The object's compact span tree (its own subtree, also for an item of a `List`),
    /// holding the paths stakelint locates ([`keep`]).
    pub tree: Arc<yaml::Located>,
    /// The whole span tree, in debug builds (tests): every lookup is checked against it,
    /// so a path [`keep`] leaves out fails the test that asks for it.
    #[cfg(debug_assertions)]
    pub full: Arc<yaml::Located>,
    /// Byte range the object occupies (for suppression annotations).
    pub extent: Span,
    /// One of [`KINDS`].
    pub kind: &'static str,
    pub typed: Typed,
}

impl Object {
    /// The span tree node at `ptr` inside this object.
    pub fn node(&self, ptr: &str) -> Option<yaml::NodeRef<'_>> {
        let found = self.tree.pointer(ptr);
        #[cfg(debug_assertions)]
        assert_eq!(
            found.map(|n| n.span()),
            self.full.pointer(ptr).map(|n| n.span()),
            "`{ptr}` of a {} is left out of its span tree: add it to `k8s::keep`",
            self.kind
        );
        found
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
        let found = node.key_span(&key);
        #[cfg(debug_assertions)]
        assert_eq!(
            found,
            self.full.pointer(parent).and_then(|n| n.key_span(&key)),
            "the key of `{ptr}` of a {} is left out of its span tree: add it to `k8s::keep`",
            self.kind
        );
        found.map(|s| Origin::new(self.file, s))
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

use yaml::{Keep, SUBTREE};

/// Labels and annotations, located by key and value.
const META: &[Keep] = &[
    Keep("name", &[]),
    Keep("namespace", &[]),
    Keep("labels", SUBTREE),
    Keep("annotations", SUBTREE),
];

/// What of a pod spec is located: placement, host networking, volumes by name, and each
/// container's image, command line, host ports and environment values.
const POD: &[Keep] = &[
    Keep("nodeName", &[]),
    Keep("nodeSelector", SUBTREE),
    Keep("hostNetwork", &[]),
    Keep("affinity", SUBTREE),
    Keep("topologySpreadConstraints", SUBTREE),
    Keep("volumes", &[Keep("*", &[Keep("name", &[])])]),
    Keep(
        "containers",
        &[Keep(
            "*",
            &[
                Keep("image", &[]),
                Keep("command", SUBTREE),
                Keep("args", SUBTREE),
                Keep("ports", &[Keep("*", &[Keep("hostPort", &[])])]),
                Keep("env", &[Keep("*", &[Keep("value", &[])])]),
            ],
        )],
    ),
];

/// The paths of an object of `kind` that findings point at: the span tree keeps only these
/// (a StatefulSet's `resources`, `selector`, probes or `volumeMounts`, a live object's
/// `status` and `managedFields`, are never located). Debug builds check every lookup
/// against the whole tree ([`Object::node`]), so a test that asks for a path left out here
/// fails.
pub fn keep(kind: &str) -> &'static [Keep] {
    const WORKLOAD: &[Keep] = &[
        Keep("kind", &[]),
        Keep("metadata", META),
        Keep(
            "spec",
            &[
                Keep("replicas", &[]),
                Keep("strategy", &[Keep("type", &[])]),
                Keep(
                    "template",
                    &[
                        Keep(
                            "metadata",
                            &[Keep("labels", SUBTREE), Keep("annotations", SUBTREE)],
                        ),
                        Keep("spec", POD),
                    ],
                ),
            ],
        ),
    ];
    const POD_OBJECT: &[Keep] = &[Keep("kind", &[]), Keep("metadata", META), Keep("spec", POD)];
    const SERVICE: &[Keep] = &[
        Keep("kind", &[]),
        Keep("metadata", META),
        Keep(
            "spec",
            &[
                Keep("type", &[]),
                Keep("externalIPs", SUBTREE),
                Keep("ports", &[Keep("*", &[])]),
            ],
        ),
    ];
    const DATA: &[Keep] = &[
        Keep("kind", &[]),
        Keep("metadata", META),
        Keep("data", SUBTREE),
        Keep("stringData", SUBTREE),
        Keep("binaryData", SUBTREE),
    ];
    const HPA: &[Keep] = &[
        Keep("kind", &[]),
        Keep("metadata", META),
        Keep("spec", &[Keep("scaleTargetRef", &[Keep("name", &[])])]),
    ];
    const META_ONLY: &[Keep] = &[Keep("kind", &[]), Keep("metadata", META)];
    match kind {
        "StatefulSet" | "Deployment" | "DaemonSet" | "ReplicaSet" => WORKLOAD,
        "Pod" => POD_OBJECT,
        "Service" => SERVICE,
        "ConfigMap" | "Secret" => DATA,
        "HorizontalPodAutoscaler" => HPA,
        _ => META_ONLY,
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
            tree: Arc::new(yaml::Located::from_node_kept(node, keep(kind))),
            #[cfg(debug_assertions)]
            full: Arc::new(yaml::Located::from_node(node)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::files::SourceFile;

    const STATEFULSET: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cl
  labels: {app: cl}
spec:
  replicas: 1
  serviceName: cl
  selector: {matchLabels: {app: cl}}
  template:
    metadata: {labels: {app: cl}}
    spec:
      nodeSelector: {topology.kubernetes.io/region: eu-west-1}
      containers:
        - name: beacon
          image: sigp/lighthouse:v8.0.0
          args: [lighthouse, bn, --http]
          ports: [{name: http, containerPort: 5052, hostPort: 5052}]
          env: [{name: A, value: b}]
          resources: {requests: {cpu: '2', memory: 8Gi}}
          livenessProbe: {httpGet: {path: /eth/v1/node/health, port: 5052}}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, emptyDir: {}}]
  volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce]}}]
status: {replicas: 1, readyReplicas: 1}
";

    fn object(text: &str) -> Object {
        let src = SourceFile::new("t.yaml".into(), text);
        let mut docs = yaml::parse_stream(FileId(0), &src).unwrap();
        let tree = Arc::new(docs.remove(0));
        typed(FileId(0), &tree, "", Span::new(0, text.len()))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn span_trees_keep_the_located_paths_and_nothing_else() {
        let o = object(STATEFULSET);
        let spans = |tree: &yaml::Located, p: &str| tree.pointer(p).map(|n| n.span());
        let c = "/spec/template/spec/containers/0";
        for p in [
            "/kind".to_owned(),
            "/metadata/name".to_owned(),
            "/metadata/labels/app".to_owned(),
            "/spec/replicas".to_owned(),
            "/spec/template/metadata/labels/app".to_owned(),
            "/spec/template/spec/nodeSelector/topology.kubernetes.io~1region".to_owned(),
            "/spec/template/spec/volumes/0/name".to_owned(),
            format!("{c}/image"),
            format!("{c}/args/2"),
            format!("{c}/ports/0/hostPort"),
            format!("{c}/env/0/value"),
        ] {
            assert!(spans(&o.tree, &p).is_some(), "{p} kept");
            assert_eq!(spans(&o.tree, &p), spans(&o.full, &p), "{p}");
        }
        for p in [
            "/apiVersion".to_owned(),
            "/status".to_owned(),
            "/spec/serviceName".to_owned(),
            "/spec/selector".to_owned(),
            "/spec/volumeClaimTemplates".to_owned(),
            format!("{c}/name"),
            format!("{c}/resources"),
            format!("{c}/livenessProbe"),
            format!("{c}/volumeMounts"),
            format!("{c}/ports/0/containerPort"),
            format!("{c}/env/0/name"),
        ] {
            assert!(spans(&o.full, &p).is_some(), "{p} is in the object");
            assert!(o.tree.pointer(&p).is_none(), "{p} left out");
        }
        assert!(o.tree.node_count() * 2 < o.full.node_count());
    }

    #[test]
    fn each_kind_keeps_its_located_paths() {
        let svc = object(
            "kind: Service\napiVersion: v1\nmetadata: {name: s}\nspec:\n  type: NodePort\n  selector: {app: x}\n  ports: [{port: 1, nodePort: 30001}]\n",
        );
        assert!(svc.tree.pointer("/spec/type").is_some());
        assert!(svc.tree.pointer("/spec/ports/0").is_some());
        assert!(svc.tree.pointer("/spec/ports/0/nodePort").is_none());
        assert!(svc.tree.pointer("/spec/selector").is_none());
        let cm = object(
            "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata: {a.yaml: 'x: 1'}\n",
        );
        assert!(cm.tree.pointer("/data/a.yaml").is_some());
        let hpa = object(
            "kind: HorizontalPodAutoscaler\napiVersion: autoscaling/v2\nmetadata: {name: h}\nspec: {scaleTargetRef: {kind: StatefulSet, name: cl}, maxReplicas: 2}\n",
        );
        assert!(hpa.tree.pointer("/spec/scaleTargetRef/name").is_some());
        assert!(hpa.tree.pointer("/spec/maxReplicas").is_none());
    }
}
