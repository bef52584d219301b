//! The web console inside the application, for demos: `rocketmq.dashboard.enabled: true`
//! serves `mqdashboard`'s pages for the application's name servers (the embedded ones in
//! embedded mode). Needs the `dashboard` feature; without it, enabling it is a start error.

use crate::app::StartError;
use crate::config::Settings;
use crate::config::properties::DashboardProperties;

#[cfg(feature = "dashboard")]
pub(crate) type Running = broker_server::ServerHandle;
#[cfg(not(feature = "dashboard"))]
pub(crate) type Running = std::convert::Infallible;

/// Starts the console when configured.
#[cfg(feature = "dashboard")]
pub(crate) async fn start(settings: &Settings) -> Result<Option<Running>, StartError> {
    use broker_server::dashboard::{self, DashboardConfig};
    let props = DashboardProperties::read(settings)?;
    if !props.enabled {
        return Ok(None);
    }
    let namesrv = settings
        .get_str("rocketmq.name-server")?
        .or_else(|| std::env::var("NAMESRV_ADDR").ok())
        .ok_or_else(|| {
            StartError::Dashboard("set rocketmq.name-server for the dashboard".into())
        })?;
    let addr: std::net::SocketAddr = format!("{}:{}", props.host, props.port)
        .parse()
        .map_err(|_| StartError::Dashboard(format!("`{}` is not an IP address", props.host)))?;
    let config = DashboardConfig {
        read_only: props.read_only,
        ..DashboardConfig::new(namesrv)
    };
    let handle = dashboard::start(addr, config)
        .await
        .map_err(|e| StartError::Dashboard(format!("cannot listen on {addr}: {e}")))?;
    tracing::info!(addr = %handle.addr(), "dashboard serving");
    Ok(Some(handle))
}

#[cfg(not(feature = "dashboard"))]
pub(crate) async fn start(settings: &Settings) -> Result<Option<Running>, StartError> {
    if DashboardProperties::read(settings)?.enabled {
        return Err(StartError::Dashboard(
            "rocketmq.dashboard.enabled is set, but the starter was built without its `dashboard` feature".into(),
        ));
    }
    Ok(None)
}

pub(crate) fn addr(running: Option<&Running>) -> Option<std::net::SocketAddr> {
    #[cfg(feature = "dashboard")]
    return running.map(|h| h.addr());
    #[cfg(not(feature = "dashboard"))]
    return running.map(|never| match *never {});
}

pub(crate) async fn stop(running: Option<Running>) {
    #[cfg(feature = "dashboard")]
    if let Some(h) = running {
        h.shutdown().await;
    }
    #[cfg(not(feature = "dashboard"))]
    let _ = running;
}
