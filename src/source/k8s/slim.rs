//! What stakelint keeps of a typed Kubernetes object: the fields the manifest source reads.
//!
//! Every object is first typed whole with k8s-openapi, so every field is checked and a bad
//! one is reported as before; its readable fields are then moved (not copied) into these
//! narrower structs and the rest is dropped. k8s-openapi's structs hold every field of the
//! API inline — a `StatefulSet` takes 2.6 KB and each `Container` 2.1 KB, a `Volume` 3.2 KB,
//! before any of their data — so at 20,000 objects the whole structs took about 80 MB, ten
//! times the YAML they came from (README "Performance").
//!
//! Field names and types are k8s-openapi's, so code reads these as it would the originals;
//! the small leaf types (`EnvVar`, `VolumeMount`, `OwnerReference`, volume sources…) are
//! k8s-openapi's own.

use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use std::collections::BTreeMap;

pub use core::{
    Affinity, ConfigMapVolumeSource, ContainerPort, EnvVar, HostPathVolumeSource, KeyToPath,
    PersistentVolumeClaimVolumeSource, ProjectedVolumeSource, SecretVolumeSource, ServicePort,
    TopologySpreadConstraint, VolumeMount,
};
pub use meta::{LabelSelector, OwnerReference};

/// A string-keyed map as a sorted list: a `BTreeMap` takes about 560 bytes even for the one
/// or two labels most maps hold (it allocates nodes of eleven entries). Read like the
/// `BTreeMap` it was typed as (same order, same lookups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map<V>(Box<[(String, V)]>);

impl<V> Default for Map<V> {
    fn default() -> Self {
        Self(Box::default())
    }
}

impl<V> From<BTreeMap<String, V>> for Map<V> {
    fn from(m: BTreeMap<String, V>) -> Self {
        // In key order, as the BTreeMap holds them.
        Self(m.into_iter().collect())
    }
}

impl<V> Map<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Clone> Map<V> {
    /// A `BTreeMap` copy, to add to.
    pub fn to_btree(&self) -> BTreeMap<String, V> {
        self.0.iter().cloned().collect()
    }
}

impl<'a, V> IntoIterator for &'a Map<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, V)>,
        fn(&'a (String, V)) -> (&'a String, &'a V),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

fn compact<V>(m: Option<BTreeMap<String, V>>) -> Option<Map<V>> {
    m.map(Map::from)
}

/// `metadata`.
#[derive(Debug, Clone, Default)]
pub struct ObjectMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Option<Map<String>>,
    pub annotations: Option<Map<String>>,
    pub owner_references: Option<Vec<OwnerReference>>,
    /// Whether `deletionTimestamp` is set (a Pod on its way out).
    pub deleting: bool,
}

impl From<meta::ObjectMeta> for ObjectMeta {
    fn from(m: meta::ObjectMeta) -> Self {
        let meta::ObjectMeta {
            name,
            namespace,
            labels,
            annotations,
            owner_references,
            deletion_timestamp,
            ..
        } = m;
        Self {
            name,
            namespace,
            labels: compact(labels),
            annotations: compact(annotations),
            owner_references,
            deleting: deletion_timestamp.is_some(),
        }
    }
}

/// A container (or init container) of a pod.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    pub env: Option<Vec<EnvVar>>,
    pub ports: Option<Vec<ContainerPort>>,
    pub volume_mounts: Option<Vec<VolumeMount>>,
}

impl From<core::Container> for Container {
    fn from(c: core::Container) -> Self {
        let core::Container {
            name,
            image,
            command,
            args,
            env,
            ports,
            volume_mounts,
            ..
        } = c;
        Self {
            name,
            image,
            command,
            args,
            env,
            ports,
            volume_mounts,
        }
    }
}

/// A pod volume, with the sources the manifest source tells apart.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    pub name: String,
    pub secret: Option<SecretVolumeSource>,
    pub config_map: Option<ConfigMapVolumeSource>,
    pub projected: Option<ProjectedVolumeSource>,
    pub host_path: Option<HostPathVolumeSource>,
    pub persistent_volume_claim: Option<PersistentVolumeClaimVolumeSource>,
    /// Whether the volume is an `emptyDir`.
    pub empty_dir: bool,
    /// Whether the volume is a `downwardAPI` volume.
    pub downward_api: bool,
    /// Whether the volume is an `ephemeral` volume.
    pub ephemeral: bool,
}

impl From<core::Volume> for Volume {
    fn from(v: core::Volume) -> Self {
        let core::Volume {
            name,
            secret,
            config_map,
            projected,
            host_path,
            persistent_volume_claim,
            empty_dir,
            downward_api,
            ephemeral,
            ..
        } = v;
        Self {
            name,
            secret,
            config_map,
            projected,
            host_path,
            persistent_volume_claim,
            empty_dir: empty_dir.is_some(),
            downward_api: downward_api.is_some(),
            ephemeral: ephemeral.is_some(),
        }
    }
}

/// A pod's spec.
#[derive(Debug, Clone, Default)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Option<Vec<Container>>,
    pub volumes: Option<Vec<Volume>>,
    pub node_selector: Option<Map<String>>,
    pub node_name: Option<String>,
    /// Boxed: 144 bytes inline, and most pods set none.
    pub affinity: Option<Box<Affinity>>,
    pub topology_spread_constraints: Option<Vec<TopologySpreadConstraint>>,
    pub host_network: Option<bool>,
}

/// Converts every item into a vector of its own: `collect` would reuse the source's
/// allocation (std collects in place), keeping the 2 or 3 KB of each k8s-openapi item.
fn all<T, U: From<T>>(v: Vec<T>) -> Vec<U> {
    let mut out = Vec::with_capacity(v.len());
    out.extend(v.into_iter().map(U::from));
    out
}

impl From<core::PodSpec> for PodSpec {
    fn from(p: core::PodSpec) -> Self {
        let core::PodSpec {
            containers,
            init_containers,
            volumes,
            node_selector,
            node_name,
            affinity,
            topology_spread_constraints,
            host_network,
            ..
        } = p;
        Self {
            containers: all(containers),
            init_containers: init_containers.map(all),
            volumes: volumes.map(all),
            node_selector: compact(node_selector),
            node_name,
            affinity: affinity.map(Box::new),
            topology_spread_constraints,
            host_network,
        }
    }
}

/// A pod template.
#[derive(Debug, Clone, Default)]
pub struct PodTemplateSpec {
    pub metadata: Option<ObjectMeta>,
    pub spec: Option<PodSpec>,
}

impl From<core::PodTemplateSpec> for PodTemplateSpec {
    fn from(t: core::PodTemplateSpec) -> Self {
        Self {
            metadata: t.metadata.map(Into::into),
            spec: t.spec.map(Into::into),
        }
    }
}

/// A workload's spec: its pod template, replicas and what else is read of its kind.
#[derive(Debug, Clone, Default)]
pub struct WorkloadSpec {
    pub replicas: Option<i32>,
    pub template: PodTemplateSpec,
    /// A Deployment's `strategy.type`.
    pub strategy: Option<String>,
    /// The names of a StatefulSet's `volumeClaimTemplates` (all that is read of them: a
    /// claim template is a kilobyte before its strings).
    pub volume_claim_names: Vec<String>,
}

/// A StatefulSet, Deployment, DaemonSet or ReplicaSet (which one is [`super::Typed`]'s
/// variant).
#[derive(Debug, Clone, Default)]
pub struct Workload {
    pub metadata: ObjectMeta,
    pub spec: Option<WorkloadSpec>,
}

impl WorkloadSpec {
    fn of(replicas: Option<i32>, template: core::PodTemplateSpec) -> Self {
        Self {
            replicas,
            template: template.into(),
            strategy: None,
            volume_claim_names: Vec::new(),
        }
    }
}

impl From<apps::StatefulSet> for Workload {
    fn from(o: apps::StatefulSet) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(|s| WorkloadSpec {
                volume_claim_names: s
                    .volume_claim_templates
                    .into_iter()
                    .flatten()
                    .filter_map(|t| t.metadata.name)
                    .collect(),
                ..WorkloadSpec::of(s.replicas, s.template)
            }),
        }
    }
}

impl From<apps::Deployment> for Workload {
    fn from(o: apps::Deployment) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(|s| WorkloadSpec {
                strategy: s.strategy.and_then(|s| s.type_),
                ..WorkloadSpec::of(s.replicas, s.template)
            }),
        }
    }
}

impl From<apps::DaemonSet> for Workload {
    fn from(o: apps::DaemonSet) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(|s| WorkloadSpec::of(None, s.template)),
        }
    }
}

impl From<apps::ReplicaSet> for Workload {
    fn from(o: apps::ReplicaSet) -> Self {
        Self {
            metadata: o.metadata.into(),
            // A ReplicaSet's template is optional: without one it has no pod spec.
            spec: o
                .spec
                .map(|s| WorkloadSpec::of(s.replicas, s.template.unwrap_or_default())),
        }
    }
}

/// A Pod.
#[derive(Debug, Clone, Default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: Option<PodSpec>,
    /// `status.phase`.
    pub phase: Option<String>,
}

impl From<core::Pod> for Pod {
    fn from(o: core::Pod) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(Into::into),
            phase: o.status.and_then(|s| s.phase),
        }
    }
}

/// An object of which only its metadata is read (Jobs, CronJobs, Nodes).
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub metadata: ObjectMeta,
}

/// `From` for the kinds of which only the metadata is kept.
macro_rules! metadata_only {
    ($($kind:ty),*) => {$(
        impl From<$kind> for Meta {
            fn from(o: $kind) -> Self {
                Self {
                    metadata: o.metadata.into(),
                }
            }
        }
    )*};
}

metadata_only!(batch::Job, batch::CronJob, core::Node);

/// A Service's spec.
#[derive(Debug, Clone, Default)]
pub struct ServiceSpec {
    pub type_: Option<String>,
    pub selector: Option<Map<String>>,
    pub ports: Option<Vec<ServicePort>>,
    pub external_ips: Option<Vec<String>>,
}

/// A Service.
#[derive(Debug, Clone, Default)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: Option<ServiceSpec>,
}

impl From<core::Service> for Service {
    fn from(o: core::Service) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(|s| ServiceSpec {
                type_: s.type_,
                selector: compact(s.selector),
                ports: s.ports,
                external_ips: s.external_ips,
            }),
        }
    }
}

/// A ConfigMap (its text values; binary ones are never read).
#[derive(Debug, Clone, Default)]
pub struct ConfigMap {
    pub metadata: ObjectMeta,
    pub data: Option<Map<String>>,
}

impl From<core::ConfigMap> for ConfigMap {
    fn from(o: core::ConfigMap) -> Self {
        Self {
            metadata: o.metadata.into(),
            data: compact(o.data),
        }
    }
}

/// A Secret.
#[derive(Debug, Clone, Default)]
pub struct Secret {
    pub metadata: ObjectMeta,
    pub data: Option<Map<k8s_openapi::ByteString>>,
    pub string_data: Option<Map<String>>,
}

impl From<core::Secret> for Secret {
    fn from(o: core::Secret) -> Self {
        Self {
            metadata: o.metadata.into(),
            data: compact(o.data),
            string_data: compact(o.string_data),
        }
    }
}

/// A HorizontalPodAutoscaler's spec.
#[derive(Debug, Clone, Default)]
pub struct HpaSpec {
    pub scale_target_ref: autoscaling::CrossVersionObjectReference,
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
}

/// A HorizontalPodAutoscaler.
#[derive(Debug, Clone, Default)]
pub struct Hpa {
    pub metadata: ObjectMeta,
    pub spec: Option<HpaSpec>,
}

impl From<autoscaling::HorizontalPodAutoscaler> for Hpa {
    fn from(o: autoscaling::HorizontalPodAutoscaler) -> Self {
        Self {
            metadata: o.metadata.into(),
            spec: o.spec.map(|s| HpaSpec {
                scale_target_ref: s.scale_target_ref,
                min_replicas: s.min_replicas,
                max_replicas: s.max_replicas,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_spec(containers: usize) -> core::PodSpec {
        core::PodSpec {
            containers: (0..containers)
                .map(|i| core::Container {
                    name: format!("c{i}"),
                    image: Some("sigp/lighthouse:v8.0.0".to_owned()),
                    args: Some(vec!["bn".to_owned()]),
                    ..Default::default()
                })
                .collect(),
            volumes: Some(vec![core::Volume {
                name: "keys".to_owned(),
                empty_dir: Some(core::EmptyDirVolumeSource::default()),
                ..Default::default()
            }]),
            node_name: Some("node-1".to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn read_fields_are_kept() {
        let spec = PodSpec::from(pod_spec(2));
        assert_eq!(spec.containers.len(), 2);
        assert_eq!(spec.containers[1].name, "c1");
        assert_eq!(
            spec.containers[0].image.as_deref(),
            Some("sigp/lighthouse:v8.0.0")
        );
        assert_eq!(
            spec.containers[0].args.as_deref(),
            Some(&["bn".to_owned()][..])
        );
        let volumes = spec.volumes.unwrap_or_default();
        assert!(volumes[0].empty_dir && !volumes[0].ephemeral);
        assert_eq!(spec.node_name.as_deref(), Some("node-1"));
        let meta = ObjectMeta::from(meta::ObjectMeta {
            name: Some("web".to_owned()),
            deletion_timestamp: Some(meta::Time(k8s_openapi::jiff::Timestamp::default())),
            ..Default::default()
        });
        assert!(meta.deleting);
        assert_eq!(meta.name.as_deref(), Some("web"));
    }

    #[test]
    fn maps_read_like_the_btree_map() {
        let typed: BTreeMap<String, String> =
            [("zone", "b"), ("app", "lighthouse"), ("tier", "cl")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        let m = Map::from(typed.clone());
        for (k, v) in &typed {
            assert_eq!(m.get(k), Some(v));
        }
        assert_eq!(m.get("missing"), None);
        assert!(m.contains_key("tier") && !m.contains_key("ti"));
        assert!(m.iter().eq(typed.iter()));
        assert!(m.keys().eq(typed.keys()));
        assert_eq!(m.to_btree(), typed);
        assert_eq!((m.len(), m.is_empty()), (3, false));
        assert!(Map::<String>::default().is_empty());
    }

    /// The slim lists are allocations of their own: collecting in place would keep the
    /// k8s-openapi items' memory (a capacity of about 13 slim containers per container).
    #[test]
    fn lists_do_not_keep_the_typed_allocation() {
        let spec = PodSpec::from(pod_spec(3));
        assert_eq!(spec.containers.capacity(), 3);
        assert_eq!(spec.volumes.map(|v| v.capacity()), Some(1));
    }
}
