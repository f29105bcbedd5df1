//! The metrics endpoint of a service process: `/metrics`, `/healthz` and `/readyz` on an
//! actix-web server of one worker, bound on the address the program chose and spawned on the
//! running actix `System`.

use super::{CONTENT_TYPE, Metrics, MetricsError};
use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::{SocketAddr, TcpListener};

/// A running metrics endpoint: its address, and a way to stop it.
#[derive(Debug, Clone)]
pub struct MetricsServer {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl MetricsServer {
    /// The bound address (the port the system chose, when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and releases the port.
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

pub(super) fn start(metrics: Metrics, addr: SocketAddr) -> Result<MetricsServer, MetricsError> {
    let listener = TcpListener::bind(addr).map_err(|source| MetricsError::Bind { addr, source })?;
    let bound = listener.local_addr().map_err(|source| MetricsError::Bind { addr, source })?;
    let data = web::Data::new(metrics);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(scrape))
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(0)
    .listen(listener)
    .map_err(|source| MetricsError::Server { source })?
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    log::info!("serving metrics at http://{bound}/metrics (and /healthz, /readyz)");
    Ok(MetricsServer { addr: bound, handle })
}

async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(metrics.encode())
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
}

async fn readyz(metrics: web::Data<Metrics>) -> HttpResponse {
    match metrics.readiness() {
        Ok(()) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready\n"),
        Err(why) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body(format!("{why}\n")),
    }
}
