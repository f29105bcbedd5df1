//! Local files in a service's actions: an image, a file or a canvas image given as a local path
//! is uploaded over the service's HTTP session (once per content) and the user receives its URL;
//! a file message's name and size are filled in; a missing file fails the action, saying which.

use crate::support::service::{Heard, Recorder, User, config, heard, http_of};
use crate::support::{scratch, start_platform};
use moobius::http::FileUrl;
use moobius::prelude::*;
use moobius::service::{ActionErrorKind, CreateAgent};
use tokio::sync::mpsc;

#[actix_rt::test]
async fn local_files_in_messages_and_canvases_reach_the_user_as_urls() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config(&platform, "sender"), move |_| Recorder(tx.clone())))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    assert!(matches!(heard(&mut rx, "alice's join").await, Heard::Join(..)));

    let dir = scratch("uploads-service");
    let picture = dir.join("cat.png");
    std::fs::write(&picture, b"a cat, in bytes").unwrap();
    let http = http_of(&service);
    let calls = http.calls();

    let image = SendMessage::image(channel.clone(), picture.to_str().unwrap(), alice.id());
    service.actions().send(image).await.unwrap().expect("the image is sent");
    let message = alice.message("the image").await;
    let MessageContent::Image(url) = &message.content else { panic!("an image: {message:?}") };
    assert!(url.starts_with(&platform.http_url()), "the user gets the uploaded URL: {url}");
    assert_eq!(http.download(&FileUrl::from(url.as_str())).await.unwrap(), &b"a cat, in bytes"[..]);
    assert_eq!(http.calls(), calls + 4, "one upload (two calls), the recipients' group, the download");

    // The same picture again, as a file message: no upload; name and size filled in.
    let calls = http.calls();
    let file = SendMessage::file(channel.clone(), picture.to_str().unwrap(), alice.id());
    service.actions().send(file).await.unwrap().expect("the file is sent");
    let message = alice.message("the file").await;
    let MessageContent::File { path, filename, size } = &message.content else {
        panic!("a file: {message:?}")
    };
    assert_eq!((path.as_str(), filename.as_str(), *size), (url.as_str(), "cat.png", 15));
    assert_eq!(http.calls(), calls, "the content was uploaded already; the group is cached");

    // A file by URL with no size: the size is asked for (HEAD), as the SDK does.
    let by_url = SendMessage::file(channel.clone(), url.clone(), alice.id());
    service.actions().send(by_url).await.unwrap().expect("the file by URL is sent");
    let message = alice.message("the file by URL").await;
    assert!(matches!(&message.content, MessageContent::File { size: 15, .. }), "{message:?}");

    // A canvas image.
    let canvas_file = dir.join("board.jpg");
    std::fs::write(&canvas_file, b"a board").unwrap();
    let items =
        vec![CanvasItem { text: Some("the board".into()), path: Some(canvas_file.display().to_string()) }];
    service.actions().send(SendCanvas::new(channel.clone(), items, alice.id())).await.unwrap().expect("sent");
    let UpdateContent::Canvas(items) = alice.update("the canvas").await else { panic!("a canvas") };
    let canvas_url = items[0].path.clone().expect("an image");
    assert!(canvas_url.ends_with(".jpg") && canvas_url.starts_with(&platform.http_url()), "{canvas_url}");
    assert_eq!(http.download(&canvas_url.as_str().into()).await.unwrap(), &b"a board"[..]);

    // An agent with a local avatar.
    let agent = service
        .actions()
        .send(CreateAgent::new("Painter", "paints").avatar(canvas_file.display().to_string()))
        .await
        .unwrap()
        .expect("the agent is made");
    assert_eq!(agent.avatar.as_deref(), Some(canvas_url.as_str()), "the cached upload");

    // A missing file fails the action and sends nothing; the next action goes out.
    let missing = SendMessage::image(channel.clone(), dir.join("gone.png").display().to_string(), alice.id());
    let err = service.actions().send(missing).await.unwrap().unwrap_err();
    assert!(matches!(err.kind(), ActionErrorKind::Upload(_)), "{err}");
    assert!(err.to_string().contains("gone.png"), "{err}");
    service.actions().send(SendMessage::text(channel.clone(), "after", alice.id())).await.unwrap().unwrap();
    assert_eq!(alice.text("the text after the failed image").await, "after");
    wand.shutdown().await;
    platform.stop().await;
}

#[actix_rt::test]
async fn a_user_mode_bot_uploads_its_local_files_too() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config(&platform, "host"), move |_| Recorder(tx.clone())))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let bob = User::start(&mut wand, &platform, "bob", std::slice::from_ref(&channel)).await;
    bob.join(&channel);
    assert!(matches!(heard(&mut rx, "bob's join").await, Heard::Join(..)));

    let picture = scratch("uploads-user").join("selfie.png");
    std::fs::write(&picture, b"bob's face").unwrap();
    let message =
        SendMessage::image(channel.clone(), picture.to_str().unwrap(), service.service_id().as_character());
    bob.actions().send(message).await.unwrap().expect("sent");
    // The recorder hears texts only; the history says what the platform delivered.
    let owner = http_of(&service);
    let page = owner.fetch_message_history(&channel, 10, None).await.unwrap();
    let MessageContent::Image(url) = &page.last().expect("the image is in the history").content else {
        panic!("an image: {page:?}")
    };
    assert_eq!(owner.download(&url.as_str().into()).await.unwrap(), &b"bob's face"[..]);
    wand.shutdown().await;
    platform.stop().await;
}
