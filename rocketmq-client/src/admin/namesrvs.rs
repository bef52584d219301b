//! Each name server's configuration (`getNamesrvConfig` / `updateNamesrvConfig`) and a
//! broker's write permission in each's routes (`wipeWritePerm` / `addWritePerm`): these go
//! to every name server in the list, one by one, as Apache's tools send them.

use super::Admin;
use crate::error::ClientError;
use crate::error::Result;
use crate::protocol::ResponseCode;
use crate::protocol::header::{
    AddWritePermResponseHeader, BrokerNameHeader, GetKvConfigResponseHeader, KvConfigRequestHeader,
    WipeWritePermResponseHeader,
};
use crate::protocol::{RemotingCommand, RequestCode};

impl Admin {
    /// The name servers this admin talks to.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv.addrs().to_vec()
    }

    /// One name server's configuration, key by key (GET_NAMESRV_CONFIG).
    pub async fn namesrv_config(&self, addr: &str) -> Result<Vec<(String, String)>> {
        let resp = self
            .call(
                addr,
                RemotingCommand::request(RequestCode::GetNamesrvConfig),
            )
            .await?;
        Ok(super::brokers::parse_properties(&String::from_utf8_lossy(
            &resp.body,
        )))
    }

    /// Changes one name server's configuration at run time (UPDATE_NAMESRV_CONFIG).
    pub async fn update_namesrv_config(&self, addr: &str, pairs: &[(&str, &str)]) -> Result<()> {
        let mut req = RemotingCommand::request(RequestCode::UpdateNamesrvConfig);
        let body: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        req.body = body.into_bytes().into();
        self.call(addr, req).await.map(drop)
    }

    /// Takes write permission from a broker name's queues in one name server's routes
    /// (WIPE_WRITE_PERM_OF_BROKER); returns how many topics changed.
    pub async fn wipe_write_perm(&self, namesrv: &str, broker_name: &str) -> Result<i32> {
        let header = BrokerNameHeader {
            broker_name: broker_name.to_string(),
        };
        let resp = self
            .call(
                namesrv,
                RemotingCommand::request_with(RequestCode::WipeWritePermOfBroker, &header),
            )
            .await?;
        Ok(resp
            .decode_header::<WipeWritePermResponseHeader>()
            .map_or(0, |h| h.wipe_topic_count))
    }

    /// Gives a broker name's queues read-write permission again (ADD_WRITE_PERM_OF_BROKER);
    /// returns how many topics changed.
    pub async fn add_write_perm(&self, namesrv: &str, broker_name: &str) -> Result<i32> {
        let header = BrokerNameHeader {
            broker_name: broker_name.to_string(),
        };
        let resp = self
            .call(
                namesrv,
                RemotingCommand::request_with(RequestCode::AddWritePermOfBroker, &header),
            )
            .await?;
        Ok(resp
            .decode_header::<AddWritePermResponseHeader>()
            .map_or(0, |h| h.add_topic_count))
    }

    /// Sets a KV config entry on every name server (PUT_KV_CONFIG), as Apache's
    /// `createAndUpdateKvConfig` does.
    pub async fn put_kv_config(&self, namespace: &str, key: &str, value: &str) -> Result<()> {
        let header = KvConfigRequestHeader {
            namespace: namespace.to_string(),
            key: key.to_string(),
            value: Some(value.to_string()),
        };
        for addr in self.namesrv_addrs() {
            self.call(
                &addr,
                RemotingCommand::request_with(RequestCode::PutKvConfig, &header),
            )
            .await?;
        }
        Ok(())
    }

    /// Deletes a KV config entry from every name server (DELETE_KV_CONFIG).
    pub async fn delete_kv_config(&self, namespace: &str, key: &str) -> Result<()> {
        let header = KvConfigRequestHeader {
            namespace: namespace.to_string(),
            key: key.to_string(),
            value: None,
        };
        for addr in self.namesrv_addrs() {
            self.call(
                &addr,
                RemotingCommand::request_with(RequestCode::DeleteKvConfig, &header),
            )
            .await?;
        }
        Ok(())
    }

    /// A KV config entry, from the first name server that has it (GET_KV_CONFIG).
    pub async fn kv_config(&self, namespace: &str, key: &str) -> Result<Option<String>> {
        let header = KvConfigRequestHeader {
            namespace: namespace.to_string(),
            key: key.to_string(),
            value: None,
        };
        for addr in self.namesrv_addrs() {
            match self
                .call(
                    &addr,
                    RemotingCommand::request_with(RequestCode::GetKvConfig, &header),
                )
                .await
            {
                Ok(resp) => {
                    return Ok(resp
                        .decode_header::<GetKvConfigResponseHeader>()
                        .ok()
                        .and_then(|h| h.value));
                }
                Err(ClientError::Remote {
                    code: ResponseCode::QueryNotFound,
                    ..
                }) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }
}
