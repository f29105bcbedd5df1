//! The calls on services, channels, characters and groups, the group cache (HTTP calls counted),
//! and the config's create-what-is-missing step.

use super::signed_in;
use crate::support::{WAIT, login_user, start_platform};
use moobius::config::{Config, Others, bind_channels, ensure_service_and_channels};
use moobius::http::{HttpErrorKind, Profile};
use moobius::protocol::{CharacterId, Frame};

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
