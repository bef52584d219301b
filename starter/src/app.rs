//! The application: configuration in, templates and listeners running, a clean stop on Ctrl-C
//! or SIGTERM.
//!
//! Start-up order: settings, the embedded cluster (if `rocketmq.embedded`), one template per
//! configured producer, then every registered listener grouped into consumers. Shutdown runs
//! the other way: consumers stop pulling and drain the calls in flight (each group waits its
//! `await-termination-millis-when-shutdown`), commit their offsets and leave; then reply
//! producers, templates, and the embedded cluster stop.

use std::collections::BTreeMap;
use std::sync::Arc;

use rocketmq_client::ClientError;
use rocketmq_client::producer::TransactionListener;

use crate::config::properties::DEFAULT_TEMPLATE;
use crate::config::{
    ConfigError, ConsumerDefaults, EmbeddedProperties, ProducerProperties, PullConsumerProperties,
    Settings, SettingsBuilder,
};
use crate::listener::container::{Repliers, RunningGroup, start_group};
use crate::listener::resolve::{ListenerError, plan, resolve};
use crate::listener::{ListenerDef, Mode, Model};
use crate::template::{RocketTemplate, SharedTransactionListener};

/// Why the application did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Listener(#[from] ListenerError),
    #[error("embedded cluster: {0}")]
    Embedded(String),
    #[error("dashboard: {0}")]
    Dashboard(String),
    #[error("template `{name}`: {source}")]
    Template {
        name: String,
        #[source]
        source: ClientError,
    },
    #[error("consumer group {group}: {source}")]
    Consumer {
        group: String,
        #[source]
        source: ClientError,
    },
    #[error(
        "a transaction listener is registered for template `{0}`, which is not configured (set rocketmq.producer.group or rocketmq.templates.{0}.group)"
    )]
    UnknownTemplate(String),
}

type Filter = Box<dyn Fn(&ListenerDef) -> bool + Send + Sync>;

/// Chooses configuration sources and application parts before starting.
#[must_use]
pub struct ApplicationBuilder {
    settings: SettingsBuilder,
    transaction_listeners: Vec<(String, SharedTransactionListener)>,
    filter: Option<Filter>,
}

impl ApplicationBuilder {
    /// Where `application.yml` and `application-{profile}.yml` are (default: the current
    /// directory).
    pub fn config_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.settings = self.settings.dir(dir);
        self
    }

    /// YAML compiled into the program, read first: `.yaml("application.yml",
    /// include_str!("application.yml"))`. Files on disk and the environment override it.
    pub fn yaml(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.settings = self.settings.yaml(name, text);
        self
    }

    /// Activates a profile (also: `rocketmq.profiles.active`).
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.settings = self.settings.profile(profile);
        self
    }

    /// Reads these variables instead of the process environment (for tests).
    pub fn env_vars(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.settings = self.settings.env_vars(vars);
        self
    }

    /// Sets a key in code, over every other source.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings = self.settings.set(key, value);
        self
    }

    /// The transaction listener of the default template (`@RocketMQTransactionListener`).
    pub fn transaction_listener(self, listener: impl TransactionListener) -> Self {
        self.transaction_listener_for(DEFAULT_TEMPLATE, listener)
    }

    /// The transaction listener of template `template` (`rocketmq.templates.<template>`).
    pub fn transaction_listener_for(
        mut self,
        template: &str,
        listener: impl TransactionListener,
    ) -> Self {
        self.transaction_listeners.push((
            template.to_string(),
            SharedTransactionListener(Arc::new(listener)),
        ));
        self
    }

    /// Starts only the registered listeners `keep` accepts (all by default).
    pub fn listeners_where(
        mut self,
        keep: impl Fn(&ListenerDef) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.filter = Some(Box::new(keep));
        self
    }

    /// Starts everything; any mistake is reported before a single message is consumed.
    pub async fn start(self) -> Result<RocketApplication, StartError> {
        let mut settings = self.settings.build()?;
        let embedded = start_embedded(&mut settings).await?;
        let dashboard = match crate::dashboard::start(&settings).await {
            Ok(d) => d,
            Err(e) => {
                stop_embedded(embedded).await;
                return Err(e);
            }
        };
        let mut app = RocketApplication {
            settings,
            embedded,
            dashboard,
            templates: BTreeMap::new(),
            groups: Vec::new(),
            repliers: Arc::new(Repliers::default()),
            listeners: Vec::new(),
        };
        if let Err(e) = app
            .start_parts(self.transaction_listeners, self.filter)
            .await
        {
            app.shutdown().await;
            return Err(e);
        }
        Ok(app)
    }

    /// Starts, runs until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn run(self) -> Result<(), StartError> {
        self.start().await?.run_until_signal().await;
        Ok(())
    }
}

/// A listener that was started, as reported in the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedListener {
    pub function: &'static str,
    pub topic: String,
    pub group: String,
    pub selector: String,
    pub model: Model,
    pub mode: Mode,
    pub reply: bool,
}

/// The running application: its templates, its listeners, maybe an embedded cluster.
pub struct RocketApplication {
    settings: Settings,
    #[cfg(feature = "embedded")]
    embedded: Option<crate::embedded::EmbeddedCluster>,
    #[cfg(not(feature = "embedded"))]
    embedded: Option<std::convert::Infallible>,
    /// The web console, when `rocketmq.dashboard.enabled`.
    dashboard: Option<crate::dashboard::Running>,
    templates: BTreeMap<String, RocketTemplate>,
    groups: Vec<RunningGroup>,
    repliers: Arc<Repliers>,
    listeners: Vec<StartedListener>,
}

impl std::fmt::Debug for RocketApplication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocketApplication")
            .field("templates", &self.templates.keys().collect::<Vec<_>>())
            .field("listeners", &self.listeners)
            .finish_non_exhaustive()
    }
}

impl RocketApplication {
    /// A builder reading `./application.yml` and the environment unless told otherwise.
    pub fn builder() -> ApplicationBuilder {
        ApplicationBuilder {
            settings: Settings::builder(),
            transaction_listeners: Vec::new(),
            filter: None,
        }
    }

    /// The default template (`rocketmq.producer.*`).
    ///
    /// # Panics
    /// If `rocketmq.producer.group` is not set: without a group there is no template, as in
    /// rocketmq-spring. Use [`try_template`](Self::try_template) to check.
    pub fn template(&self) -> &RocketTemplate {
        self.try_template().unwrap_or_else(|| {
            panic!(
                "no RocketTemplate: set rocketmq.producer.group (looked in {})",
                self.settings.sources()
            )
        })
    }

    /// The default template, if `rocketmq.producer.group` is set.
    pub fn try_template(&self) -> Option<&RocketTemplate> {
        self.templates.get(DEFAULT_TEMPLATE)
    }

    /// A template configured under `rocketmq.templates.<name>`.
    pub fn template_named(&self, name: &str) -> Option<&RocketTemplate> {
        self.templates.get(name)
    }

    /// The effective configuration.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where the web console listens, when `rocketmq.dashboard.enabled` (feature
    /// `dashboard`).
    pub fn dashboard_addr(&self) -> Option<std::net::SocketAddr> {
        crate::dashboard::addr(self.dashboard.as_ref())
    }

    /// The listeners that were started.
    pub fn listeners(&self) -> &[StartedListener] {
        &self.listeners
    }

    /// The name servers clients use (the embedded one in embedded mode).
    pub fn name_server(&self) -> Option<String> {
        self.settings
            .get_str("rocketmq.name-server")
            .ok()
            .flatten()
            .or_else(|| std::env::var("NAMESRV_ADDR").ok())
    }

    async fn start_parts(
        &mut self,
        transaction_listeners: Vec<(String, SharedTransactionListener)>,
        filter: Option<Filter>,
    ) -> Result<(), StartError> {
        let names = ProducerProperties::template_names(&self.settings)?;
        for (template, _) in &transaction_listeners {
            if !names.contains(template) {
                return Err(StartError::UnknownTemplate(template.clone()));
            }
        }
        let consumers = ConsumerDefaults::read(&self.settings)?;
        let mut configs = Vec::new();
        if consumers.enabled {
            for def in ListenerDef::all() {
                if filter.as_ref().is_some_and(|keep| !keep(def)) {
                    continue;
                }
                match resolve(def, &self.settings)? {
                    Some(c) => configs.push(c),
                    None => tracing::info!(
                        listener = %def.location(),
                        "listener disabled by rocketmq.consumer.listeners"
                    ),
                }
            }
        }
        let groups = plan(configs)?;
        if (!names.is_empty() || !groups.is_empty()) && self.name_server().is_none() {
            return Err(ConfigError::Missing {
                key: "rocketmq.name-server".into(),
                looked_in: format!("{}, NAMESRV_ADDR", self.settings.sources()),
            }
            .into());
        }

        for name in names {
            let props = ProducerProperties::read(&self.settings, &name)?;
            warn_unsupported(&props);
            let listener = transaction_listeners
                .iter()
                .find(|(t, _)| *t == name)
                .map(|(_, l)| l.clone());
            let pull = if name == DEFAULT_TEMPLATE {
                PullConsumerProperties::read(&self.settings)?
            } else {
                None
            };
            let template =
                RocketTemplate::start(props, pull, listener)
                    .await
                    .map_err(|source| StartError::Template {
                        name: name.clone(),
                        source,
                    })?;
            let p = template.properties();
            tracing::info!(
                template = %name,
                group = p.group.as_deref().unwrap_or_default(),
                name_server = p.name_server.as_deref().unwrap_or("NAMESRV_ADDR"),
                "RocketTemplate started"
            );
            self.templates.insert(name, template);
        }

        for (group, members) in &groups {
            let running = start_group(group, members, self.repliers.clone())
                .await
                .map_err(|source| StartError::Consumer {
                    group: group.clone(),
                    source,
                })?;
            for m in members {
                tracing::info!(
                    listener = %m.def.location(),
                    topic = %m.topic,
                    group = %m.group,
                    selector = %m.selector,
                    model = ?m.knobs.model,
                    mode = ?m.knobs.mode,
                    reply = m.def.reply,
                    "listener started"
                );
                self.listeners.push(StartedListener {
                    function: m.def.function,
                    topic: m.topic.clone(),
                    group: m.group.clone(),
                    selector: m.selector.clone(),
                    model: m.knobs.model,
                    mode: m.knobs.mode,
                    reply: m.def.reply,
                });
            }
            self.groups.push(running);
        }
        Ok(())
    }

    /// Waits for Ctrl-C or SIGTERM, then [`shutdown`](Self::shutdown).
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }

    /// Stops consuming (draining calls in flight and committing offsets), then the producers
    /// and the embedded cluster.
    pub async fn shutdown(mut self) {
        let mut stops = tokio::task::JoinSet::new();
        for g in self.groups.drain(..) {
            stops.spawn(async move {
                g.consumer.shutdown_with(g.drain).await;
                tracing::info!(group = %g.group, "consumer stopped");
            });
        }
        while stops.join_next().await.is_some() {}
        self.repliers.shutdown().await;
        for template in self.templates.values() {
            template.shutdown().await;
        }
        crate::dashboard::stop(self.dashboard.take()).await;
        stop_embedded(self.embedded.take()).await;
    }
}

#[cfg(feature = "embedded")]
async fn stop_embedded(cluster: Option<crate::embedded::EmbeddedCluster>) {
    if let Some(cluster) = cluster {
        cluster.shutdown().await;
    }
}

#[cfg(not(feature = "embedded"))]
async fn stop_embedded(_: Option<std::convert::Infallible>) {}

/// Ctrl-C, or SIGTERM on Unix.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Settings read but not acted on by this client, said once at startup rather than ignored
/// silently.
fn warn_unsupported(p: &ProducerProperties) {
    for (set, key) in [
        (
            p.access_key.is_some() || p.secret_key.is_some(),
            "access-key/secret-key (ACL signing)",
        ),
        (p.enable_msg_trace, "enable-msg-trace"),
        (p.tls_enable, "tls-enable"),
        (p.namespace.is_some(), "namespace"),
    ] {
        if set {
            tracing::warn!(template = %p.template, "rocketmq.producer.{key} is not supported by this client yet; ignored");
        }
    }
}

/// Starts the embedded cluster if configured, pointing `rocketmq.name-server` at it.
#[cfg(feature = "embedded")]
async fn start_embedded(
    settings: &mut Settings,
) -> Result<Option<crate::embedded::EmbeddedCluster>, StartError> {
    let props = EmbeddedProperties::read(settings)?;
    if !props.enabled {
        return Ok(None);
    }
    let options = crate::embedded::EmbeddedOptions {
        namesrv_port: props.namesrv_port,
        broker_port: props.broker_port,
        store_dir: props.store_dir,
        broker_properties: props.broker,
    };
    let cluster = crate::embedded::EmbeddedCluster::start_with(options)
        .await
        .map_err(|e| StartError::Embedded(e.to_string()))?;
    tracing::info!(
        namesrv = %cluster.namesrv_addr(),
        broker = %cluster.broker_addr(),
        "embedded name server and broker started"
    );
    settings.push_override(
        "embedded cluster",
        "rocketmq.name-server",
        &cluster.namesrv_addr(),
    );
    // Broadcasting offsets live and die with the embedded store: offsets kept from an earlier
    // run against another (temporary) store would skip this run's first messages.
    if settings
        .get_str("rocketmq.consumer.local-offset-store-dir")?
        .is_none()
    {
        let dir = cluster.store_dir().join("consumer-offsets");
        settings.push_override(
            "embedded cluster",
            "rocketmq.consumer.local-offset-store-dir",
            &dir.display().to_string(),
        );
    }
    Ok(Some(cluster))
}

#[cfg(not(feature = "embedded"))]
async fn start_embedded(
    settings: &mut Settings,
) -> Result<Option<std::convert::Infallible>, StartError> {
    if EmbeddedProperties::read(settings)?.enabled {
        return Err(StartError::Embedded(
            "rocketmq.embedded is set, but the starter was built without its `embedded` feature"
                .into(),
        ));
    }
    Ok(None)
}

/// Loads `./application.yml` (and profiles, and the environment), starts everything, and runs
/// until Ctrl-C or SIGTERM: the whole of a consumer application's `main`.
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> Result<(), rocketmq_starter::StartError> {
///     rocketmq_starter::run().await
/// }
/// ```
pub async fn run() -> Result<(), StartError> {
    RocketApplication::builder().run().await
}
