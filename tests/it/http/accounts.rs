//! The account's life through the client against the local platform: sign-up confirmed with dev
//! mode's fixed code or with the emailed one (read from the platform, as from a mailbox), the code
//! resent, a password reset with a code, sign-out and deletion; each with its main refusal.

use super::{client_for, signed_in};
use crate::support::{http_get, start_platform, start_platform_with};
use moobius::http::{ConfirmationCode, HttpErrorKind};
use moobius::platform::{DEFAULT_DEV_CODE, PlatformConfig};

#[actix_rt::test]
async fn a_sign_up_confirmed_with_the_dev_code_signs_in() {
    let platform = start_platform().await;
    let client = client_for(&platform, "new@example.com", "a password");
    client.sign_up().await.unwrap();
    let err = client.sign_in().await.unwrap_err();
    let (code, message) = err.refusal().unwrap_or_else(|| panic!("a refusal: {err}"));
    assert_eq!(code, 403);
    assert!(message.contains("not confirmed"), "{message}");
    let err = client.sign_up().await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(409), "{err}");

    client.confirm_sign_up(&ConfirmationCode::new(DEFAULT_DEV_CODE)).await.unwrap();
    client.sign_in().await.unwrap();
    assert_eq!(client.user_info().await.unwrap().email, "new@example.com");
    let err = client.confirm_sign_up(&ConfirmationCode::new(DEFAULT_DEV_CODE)).await.unwrap_err();
    assert!(err.refusal().is_some_and(|(_, m)| m.contains("confirmed already")), "{err}");
    let err = client.resend_sign_up_code().await.unwrap_err();
    assert!(err.refusal().is_some_and(|(_, m)| m.contains("confirmed already")), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn outside_dev_mode_only_the_emailed_code_confirms_and_a_resent_code_replaces_it() {
    let platform = start_platform_with(PlatformConfig::default().dev_mode(false)).await;
    let client = client_for(&platform, "strict@example.com", "a password");
    client.sign_up().await.unwrap();
    let err = client.confirm_sign_up(&ConfirmationCode::new(DEFAULT_DEV_CODE)).await.unwrap_err();
    let (code, message) = err.refusal().unwrap_or_else(|| panic!("a refusal: {err}"));
    assert_eq!(code, 400);
    assert!(message.contains("wrong sign-up code") || message.contains("tries left"), "{message}");
    assert!(!format!("{err:?}").contains(DEFAULT_DEV_CODE), "the code is not in the error: {err:?}");

    let first = platform.last_code("strict@example.com").expect("a code was emailed");
    client.resend_sign_up_code().await.unwrap();
    let second = platform.last_code("strict@example.com").expect("a new code was emailed");
    if first.expose() != second.expose() {
        let err = client.confirm_sign_up(&first.clone().into()).await.unwrap_err();
        assert_eq!(err.refusal().map(|r| r.0), Some(400), "the first code is void: {err}");
    }
    client.confirm_sign_up(&second.into()).await.unwrap();
    client.sign_in().await.unwrap();

    let nobody = client_for(&platform, "nobody@example.com", "pw");
    let err = nobody.resend_sign_up_code().await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_password_reset_with_a_code_sets_the_new_password_and_ends_the_old_sessions() {
    let platform = start_platform_with(PlatformConfig::default().dev_mode(false)).await;
    let old = signed_in(&platform, "reset").await;
    let old_token = old.tokens().access_token().unwrap();
    let new = client_for(&platform, "reset", "the new password");

    let err = new.confirm_password_reset(&ConfirmationCode::new("123456")).await.unwrap_err();
    assert!(err.refusal().is_some_and(|(_, m)| m.contains("no password-reset code")), "{err}");
    new.request_password_reset().await.unwrap();
    let code = platform.last_code("reset").expect("a reset code was emailed");
    let wrong = if code.expose() == "111111" { "222222" } else { "111111" };
    let err = new.confirm_password_reset(&ConfirmationCode::new(wrong)).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(400), "{err}");
    new.confirm_password_reset(&code.into()).await.unwrap();

    let (status, body) = http_get(&platform, "/user/info", Some(old_token.expose())).await;
    assert_eq!(status, 401, "the old session ended: {body}");
    let err = old.sign_in().await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(401), "the old password is refused: {err}");
    new.sign_in().await.unwrap();

    let unknown = client_for(&platform, "nobody@example.com", "pw");
    let err = unknown.request_password_reset().await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn signing_out_ends_the_session_and_a_deleted_account_is_gone() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "leaving").await;
    let other_session = signed_in(&platform, "leaving").await;
    let token = client.tokens().access_token().unwrap();
    let user_id = client.user_info().await.unwrap().user_id;
    client.sign_out().await.unwrap();
    assert!(client.tokens().access_token().is_none());
    let err = client.sign_out().await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::NotSignedIn { .. }), "{err}");
    let (status, _) = http_get(&platform, "/user/info", Some(token.expose())).await;
    assert_eq!(status, 401, "the platform forgot the token");
    other_session.user_info().await.expect("another session of the account goes on");

    let wrong = client_for(&platform, "leaving", "not the password");
    let err = wrong.delete_account().await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(401), "{err}");
    client.delete_account().await.unwrap();
    let other_token = other_session.tokens().access_token().unwrap();
    let (status, _) = http_get(&platform, "/user/info", Some(other_token.expose())).await;
    assert_eq!(status, 401, "every session of a deleted account ends");
    // The first sign-in of a free username makes a new account, with a new id.
    client.sign_in().await.unwrap();
    assert_ne!(client.user_info().await.unwrap().user_id, user_id);
    platform.stop().await;
}
