//! The HTTP API client against the embedded local platform on 127.0.0.1:0: every call, the error
//! kinds, token renewal, the group cache (counting HTTP calls) and the config's
//! create-what-is-missing step. Transport failures and timeouts use real sockets that refuse or
//! never answer; an unexpected answer comes from a real (tiny) HTTP server.

use crate::support::{WAIT, login_user, start_platform, start_platform_with};
use moobius::config::{Config, Others, bind_channels, ensure_service_and_channels};
use moobius::http::{Credentials, HttpClient, HttpErrorKind, Profile, SharedHttp, TokenSource, TokenTimings};
use moobius::platform::{PlatformConfig, PlatformHandle};
use moobius::protocol::{CharacterId, Frame, Secret};
use std::time::Duration;

/// A client of `platform` for `username` (the platform creates the account at its first sign-in).
fn client_for(platform: &PlatformHandle, username: &str, password: &str) -> HttpClient {
    HttpClient::builder(platform.http_url())
        .credentials(Credentials::new(username, password))
        .timeout(WAIT)
        .build()
        .expect("the platform's url is valid")
}

async fn signed_in(platform: &PlatformHandle, username: &str) -> HttpClient {
    let client = client_for(platform, username, &format!("{username}-password"));
    client.sign_in().await.expect("sign-in works");
    client
}

#[actix_rt::test]
async fn sign_in_refresh_and_user_info() {
    let platform = start_platform().await;
    let client = client_for(&platform, "ann@example.com", "ann-password");
    assert!(client.tokens().access_token().is_none());

    client.sign_in().await.unwrap();
    let first = client.tokens().access_token().expect("a token after sign-in");
    assert_eq!(client.tokens().generation(), 1);
    let me = client.user_info().await.unwrap();
    assert_eq!(me.email, "ann@example.com");
    assert!(!me.user_id.is_empty());

    client.refresh().await.unwrap();
    let second = client.tokens().access_token().unwrap();
    assert_eq!(client.tokens().generation(), 2);
    assert_ne!(first, second, "a refresh brings a new access token");
    assert_eq!(client.user_info().await.unwrap().user_id, me.user_id);

    // No secret in Debug output.
    let shown = format!("{client:?}");
    assert!(!shown.contains("ann-password") && !shown.contains(second.expose()), "{shown}");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_wrong_password_is_refused_with_the_platforms_code_and_message() {
    let platform = start_platform().await;
    signed_in(&platform, "bob").await;
    let intruder = client_for(&platform, "bob", "not-bobs-password");
    let err = intruder.sign_in().await.unwrap_err();
    match err.kind() {
        HttpErrorKind::Refused { status, code, message, call } => {
            assert_eq!(*status, 401);
            assert_eq!(*code, 401);
            assert!(message.contains("wrong password"), "{message}");
            assert_eq!(call, "POST /auth/sign_in");
        }
        other => panic!("unexpected kind {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("check the email and password"), "{shown}");
    assert!(!shown.contains("not-bobs-password"), "{shown}");
    assert!(intruder.tokens().access_token().is_none());
    platform.stop().await;
}

#[actix_rt::test]
async fn a_bad_or_missing_token_is_refused() {
    let platform = start_platform().await;
    let client = HttpClient::builder(platform.http_url())
        .token_source(TokenSource::with_access_token(Secret::new("made-up-token")))
        .build()
        .unwrap();
    let err = client.list_services().await.unwrap_err();
    assert_eq!(err.refusal().map(|(code, _)| code), Some(401), "{err}");
    assert!(!err.to_string().contains("made-up-token"), "{err}");

    // Without any token nothing is sent.
    let client = client_for(&platform, "carol", "pw");
    let err = client.user_info().await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::NotSignedIn { .. }), "{err}");
    assert_eq!(client.calls(), 0);
    // Refresh before sign-in, sign-in without credentials.
    assert!(matches!(client.refresh().await.unwrap_err().kind(), HttpErrorKind::NotSignedIn { .. }));
    let anonymous = HttpClient::builder(platform.http_url()).build().unwrap();
    assert!(matches!(anonymous.sign_in().await.unwrap_err().kind(), HttpErrorKind::NoCredentials { .. }));
    platform.stop().await;
}

#[actix_rt::test]
async fn an_unauthorized_call_signs_in_again_and_retries_once() {
    let platform = start_platform().await;
    signed_in(&platform, "sam").await;
    let stale = || TokenSource::with_access_token(Secret::new("stale-token"));
    let client = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "sam-password"))
        .token_source(stale())
        .build()
        .unwrap();
    assert_eq!(client.user_info().await.unwrap().email, "sam");
    assert_eq!(client.calls(), 3, "refused, sign-in, the call again");
    assert_ne!(client.tokens().access_token().unwrap().expose(), "stale-token");

    let strict = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "sam-password"))
        .token_source(stale())
        .sign_in_again_when_unauthorized(false)
        .build()
        .unwrap();
    assert_eq!(strict.user_info().await.unwrap_err().refusal().map(|(code, _)| code), Some(401));
    assert_eq!(strict.calls(), 1);

    // A sign-in that fails says why (not the first refusal).
    let wrong = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "not-sams-password"))
        .token_source(stale())
        .build()
        .unwrap();
    let err = wrong.user_info().await.unwrap_err();
    assert!(err.refusal().is_some_and(|(_, message)| message.contains("wrong password")), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn an_expired_token_is_refused() {
    let platform = start_platform_with(PlatformConfig::default().access_token_lifetime(Duration::ZERO)).await;
    let client = signed_in(&platform, "dave").await;
    let err = client.user_info().await.unwrap_err();
    let (code, message) = err.refusal().expect("a refusal");
    assert_eq!(code, 401);
    assert!(message.contains("expired"), "{message}");
    platform.stop().await;
}

#[actix_rt::test]
async fn services_bind_and_unbind() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "erin").await;
    let service_id = client.create_service("erin's bot").await.unwrap();
    let channel_id = client.create_channel("erin's room", "a room").await.unwrap();

    let services = client.list_services().await.unwrap();
    let listed = services.iter().find(|s| s.service_id == service_id).expect("the new service is listed");
    assert!(listed.channel_ids.is_empty());

    client.bind(&service_id, &channel_id).await.unwrap();
    let services = client.list_services().await.unwrap();
    let listed = services.iter().find(|s| s.service_id == service_id).unwrap();
    assert_eq!(listed.channel_ids, vec![channel_id.clone()]);

    client.unbind(&service_id, &channel_id).await.unwrap();
    let services = client.list_services().await.unwrap();
    assert!(services.iter().find(|s| s.service_id == service_id).unwrap().channel_ids.is_empty());

    // Only the owner may bind.
    let stranger = signed_in(&platform, "mallory").await;
    let err = stranger.bind(&service_id, &channel_id).await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::Refused { .. }), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn channels_members_agents_and_profiles() {
    let platform = start_platform().await;
    let owner = signed_in(&platform, "frank").await;
    let service_id = owner.create_service("frank's bot").await.unwrap();
    let channel_id = owner.create_channel("lobby", "where people meet").await.unwrap();
    owner.bind(&service_id, &channel_id).await.unwrap();

    // A user joins over the WebSocket.
    let user = signed_in(&platform, "grace").await;
    let user_id = user.user_info().await.unwrap().user_id;
    let token = user.tokens().access_token().unwrap();
    let mut ws = login_user(&platform, token.expose()).await;
    let receipt = ws.request(Frame::join_channel(user_id.clone(), channel_id.clone())).await;
    assert!(receipt.status, "{:?}", receipt.reason());

    let channels = user.list_channels().await.unwrap();
    assert!(channels.iter().any(|c| c.channel_id == channel_id), "{channels:?}");
    assert_eq!(owner.channel_members(&channel_id, &service_id).await.unwrap(), vec![user_id.clone()]);

    let agent = owner
        .create_agent(&service_id, &Profile::new("Echo", "https://example.com/echo.png", "repeats you"))
        .await
        .unwrap();
    assert_eq!(agent.name, "Echo");
    assert_eq!(agent.avatar.as_deref(), Some("https://example.com/echo.png"));
    let agents = owner.list_agents(&service_id).await.unwrap();
    assert_eq!(
        agents.iter().map(|a| a.character_id.as_str()).collect::<Vec<_>>(),
        [agent.character_id.as_str()]
    );
    assert_eq!(agents[0].description.as_deref(), Some("repeats you"));

    let profiles = owner.fetch_profiles(&[agent.character_id.clone(), user_id.clone()]).await.unwrap();
    assert_eq!(profiles.len(), 2, "{profiles:?}");
    assert!(
        profiles.iter().any(|p| p.character_id == agent.character_id && p.name == "Echo"),
        "{profiles:?}"
    );
    assert!(profiles.iter().any(|p| p.character_id == user_id), "{profiles:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn the_group_cache_costs_one_call_per_list() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "heidi").await;
    let alice_bob = vec![CharacterId::from("alice"), CharacterId::from("bob")];
    let bob_alice = vec![CharacterId::from("bob"), CharacterId::from("alice")];

    let before = client.calls();
    let group = client.create_group(&alice_bob).await.unwrap();
    assert_eq!(client.calls(), before + 1);
    assert_eq!(client.create_group(&alice_bob).await.unwrap(), group);
    assert_eq!(client.create_group(&alice_bob.clone()).await.unwrap(), group);
    assert_eq!(client.calls(), before + 1, "a list already seen costs no call");

    // The reverse lookup of a group this client made is known already.
    assert_eq!(&*client.group_members(&group).await.unwrap(), alice_bob.as_slice());
    assert_eq!(client.calls(), before + 1);

    // Another list is another group (order matters, as in the SDK).
    let other = client.create_group(&bob_alice).await.unwrap();
    assert_ne!(other, group);
    assert_eq!(client.calls(), before + 2);

    // Concurrent requests for one new list still make one call.
    let carol = vec![CharacterId::from("carol")];
    let (a, b, c) = futures_util::join!(
        client.create_group(&carol),
        client.create_group(&carol),
        client.create_group(&carol)
    );
    assert_eq!(a.unwrap(), b.as_ref().unwrap().clone());
    assert_eq!(b.unwrap(), c.unwrap());
    assert_eq!(client.calls(), before + 3);
    assert_eq!(client.cached_groups(), (3, 3));

    // A group made elsewhere: one lookup, then cached; clones share the cache.
    let stranger = signed_in(&platform, "ivan").await;
    let foreign = stranger.create_group_uncached(&[CharacterId::from("dan")]).await.unwrap();
    let calls = client.calls();
    assert_eq!(&*client.group_members(&foreign).await.unwrap(), ["dan".to_owned()].as_slice());
    assert_eq!(&*client.clone().group_members(&foreign).await.unwrap(), ["dan".to_owned()].as_slice());
    assert_eq!(client.calls(), calls + 1);
    platform.stop().await;
}

#[actix_rt::test]
async fn an_unknown_group_is_refused_and_not_cached() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "judy").await;
    let before = client.calls();
    let err = client.group_members("no-such-group").await.unwrap_err();
    let (code, message) = err.refusal().expect("a refusal");
    assert_eq!(code, 404);
    assert!(message.contains("no-such-group"), "{message}");
    assert!(err.to_string().contains("check the id"), "{err}");
    assert!(client.group_members("no-such-group").await.is_err());
    assert_eq!(client.calls(), before + 2, "a failure is not cached");
    platform.stop().await;
}

#[actix_rt::test]
async fn user_groups() {
    let platform = start_platform().await;
    let owner = signed_in(&platform, "ken").await;
    let service_id = owner.create_service("ken's bot").await.unwrap();
    let channel_id = owner.create_channel("ken's room", "a room").await.unwrap();
    owner.bind(&service_id, &channel_id).await.unwrap();
    let user = signed_in(&platform, "lena").await;
    let user_id = user.user_info().await.unwrap().user_id;

    let group_id =
        user.create_user_group(&channel_id, "friends", std::slice::from_ref(&user_id)).await.unwrap();
    assert_eq!(
        user.user_group_members(&group_id, &channel_id, &user_id).await.unwrap(),
        vec![user_id.clone()]
    );
    let groups = owner.list_user_groups(&channel_id, &service_id).await.unwrap();
    let listed = groups.iter().find(|g| g.group_id == group_id).expect("the group is listed");
    assert_eq!(listed.characters, vec![user_id.clone()]);

    let err = user
        .create_user_group("no-such-channel", "friends", std::slice::from_ref(&user_id))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::Refused { .. }), "{err}");

    // User mode's recipients: cached per channel and list.
    let other_channel = owner.create_channel("ken's other room", "another room").await.unwrap();
    let recipients = vec![user_id.clone()];
    let before = user.calls();
    let group = user.create_channel_group(&channel_id, &recipients).await.unwrap();
    assert_eq!(user.create_channel_group(&channel_id, &recipients).await.unwrap(), group);
    assert_eq!(user.calls(), before + 1);
    assert_eq!(
        &*user.channel_group_members(&group, &channel_id, &user_id).await.unwrap(),
        recipients.as_slice()
    );
    assert_eq!(user.calls(), before + 1, "the members of a group this client made are known");
    let elsewhere = user.create_channel_group(&other_channel, &recipients).await.unwrap();
    assert_ne!(elsewhere, group);
    assert_eq!(user.calls(), before + 2);
    // A channel group made by someone else: one lookup, then cached.
    let calls = owner.calls();
    assert_eq!(
        &*owner.channel_group_members(&group, &channel_id, &user_id).await.unwrap(),
        recipients.as_slice()
    );
    assert_eq!(
        &*owner.channel_group_members(&group, &channel_id, &user_id).await.unwrap(),
        recipients.as_slice()
    );
    assert_eq!(owner.calls(), calls + 1);
    platform.stop().await;
}

#[actix_rt::test]
async fn token_renewal_refreshes_on_its_timer() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "mona").await;
    let mut watch = client.tokens().watch();
    let timings = TokenTimings {
        refresh_every: Duration::from_millis(20),
        sign_in_every: Duration::from_secs(3600),
        retry_after: Duration::from_millis(20),
    };
    let renewal = client.spawn_token_renewal(timings);
    let first = tokio::time::timeout(WAIT, watch.changed()).await.expect("a refresh").unwrap();
    let second = tokio::time::timeout(WAIT, watch.changed()).await.expect("another refresh").unwrap();
    assert_ne!(first, second);
    renewal.stop();
    assert!(client.user_info().await.is_ok());
    platform.stop().await;
}

#[actix_rt::test]
async fn token_renewal_signs_in_again_when_the_refresh_token_is_refused() {
    let platform =
        start_platform_with(PlatformConfig::default().refresh_token_lifetime(Duration::ZERO)).await;
    let client = signed_in(&platform, "nina").await;
    assert!(client.refresh().await.is_err(), "the refresh token is already expired");
    let generation = client.tokens().generation();
    let mut watch = client.tokens().watch();
    let _renewal = client.spawn_token_renewal(TokenTimings {
        refresh_every: Duration::from_millis(20),
        sign_in_every: Duration::from_secs(3600),
        retry_after: Duration::from_millis(20),
    });
    tokio::time::timeout(WAIT, watch.changed()).await.expect("a new token").unwrap();
    assert!(client.tokens().generation() > generation);
    assert!(client.user_info().await.is_ok());
    platform.stop().await;
}

#[actix_rt::test]
async fn a_session_can_be_shared_with_another_thread() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "olga").await;
    let list = vec![CharacterId::from("p1"), CharacterId::from("p2")];
    let group = client.create_group(&list).await.unwrap();
    let calls = client.calls();

    let shared: SharedHttp = client.share();
    let url_list = list.clone();
    let from_thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let there = shared.client();
            let group = there.create_group(&url_list).await.unwrap();
            let services = there.list_services().await.unwrap();
            (group, services.len())
        })
    })
    .join()
    .unwrap();
    assert_eq!(from_thread, (group, 0));
    assert_eq!(
        client.calls(),
        calls + 1,
        "the group came from the shared cache; only list_services was sent"
    );
    platform.stop().await;
}

#[actix_rt::test]
async fn an_unreachable_platform_is_a_transport_error() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "pete").await;
    platform.stop().await;
    // A client with its own connection pool, so the call must connect (a keep-alive connection
    // from the sign-in may outlive `stop` for a moment; see the final report).
    let fresh = client.share().client();
    let err = fresh.list_services().await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::Transport { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("check the http url"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[actix_rt::test]
async fn a_silent_server_is_a_timeout() {
    // A socket that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || listener.accept().map(|(socket, _)| socket));
    let client = HttpClient::builder(url)
        .credentials(Credentials::new("quinn", "pw"))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.sign_in().await.unwrap_err();
    assert!(
        matches!(err.kind(), HttpErrorKind::Timeout { after, .. } if *after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_transient());
    drop(held.join());
}

/// Serves one HTTP request on a real socket with `body` (status 200, JSON) and returns the URL.
fn one_shot_server(body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the head and the body (Content-Length) of the request.
        loop {
            let n = socket.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).unwrap();
    });
    url
}

#[actix_rt::test]
async fn an_unexpected_answer_names_what_was_expected() {
    let url = one_shot_server(r#"{"code": 10000, "data": {"id": "s1"}}"#);
    let client = HttpClient::builder(url)
        .token_source(TokenSource::with_access_token(Secret::new("t")))
        .timeout(WAIT)
        .build()
        .unwrap();
    let err = client.create_service("x").await.unwrap_err();
    match err.kind() {
        HttpErrorKind::UnexpectedResponse { call, expected, detail } => {
            assert_eq!(call, "POST /service/create");
            assert_eq!(expected, "data: {service_id}");
            assert!(detail.contains("service_id"), "{detail}");
        }
        other => panic!("unexpected kind {other:?}"),
    }
}

#[actix_rt::test]
async fn config_without_service_or_channels_gets_them_created_and_bound() {
    let platform = start_platform().await;
    let mut config = Config::loader()
        .env_vars([
            ("MOOBIUS_HTTP_URL", platform.http_url()),
            ("MOOBIUS_WS_URL", platform.ws_url()),
            ("MOOBIUS_EMAIL", "rita@example.com".to_owned()),
            ("MOOBIUS_PASSWORD", "rita-password".to_owned()),
        ])
        .load()
        .unwrap();
    let client = config.http_client().timeout(WAIT).build().unwrap();
    client.sign_in().await.unwrap();

    let created = ensure_service_and_channels(&client, &mut config).await.unwrap();
    let service_id = created.service_id.clone().expect("a service was created");
    assert_eq!(created.channels.len(), 1);
    assert_eq!(config.service.service_id.as_deref(), Some(service_id.as_str()));
    assert_eq!(config.service.channels, created.channels);
    assert!(
        created.to_string().starts_with(&format!("created service {service_id} and channels ")),
        "{created}"
    );

    let bound = bind_channels(&client, &config.service).await.unwrap();
    assert_eq!(bound.channels, config.service.channels);
    let services = client.list_services().await.unwrap();
    let listed = services.iter().find(|s| s.service_id == service_id).unwrap();
    assert_eq!(listed.channel_ids, config.service.channels);

    // Nothing is missing any more: nothing is created, and binding again costs no bind.
    let again = ensure_service_and_channels(&client, &mut config).await.unwrap();
    assert!(again.is_empty(), "{again}");
    assert_eq!(bind_channels(&client, &config.service).await.unwrap(), bound);

    // Another service of the account: `ignore` leaves the channel, `include` takes it over.
    let mut second = config.clone();
    second.service.service_id = Some(client.create_service("second").await.unwrap());
    second.service.others = Others::Ignore;
    let skipped = bind_channels(&client, &second.service).await.unwrap();
    assert!(skipped.channels.is_empty());
    assert_eq!(skipped.skipped, [(config.service.channels[0].clone(), service_id.clone())]);
    second.service.others = Others::Include;
    let taken = bind_channels(&client, &second.service).await.unwrap();
    assert_eq!(taken.channels, config.service.channels);
    let services = client.list_services().await.unwrap();
    assert!(services.iter().find(|s| s.service_id == service_id).unwrap().channel_ids.is_empty());

    // `unbind`: the first service frees the channel from the second and leaves it unused.
    config.service.others = Others::Unbind;
    let second_id = second.service.service_id.clone().unwrap();
    let freed = bind_channels(&client, &config.service).await.unwrap();
    assert!(freed.channels.is_empty());
    assert_eq!(freed.skipped, [(config.service.channels[0].clone(), second_id)]);
    let services = client.list_services().await.unwrap();
    assert!(services.iter().all(|s| s.channel_ids.is_empty()), "{services:?}");
    platform.stop().await;
}
