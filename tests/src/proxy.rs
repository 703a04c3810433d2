//! A TCP proxy that can cut the line, to make the database disappear and come back
//! without touching the PostgreSQL cluster other tests share.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    /// Bumped on every cut; connections in flight end when it changes.
    cuts: watch::Sender<u64>,
    /// Whether the proxy listens at all (see [`Self::stop`]).
    listening: watch::Sender<bool>,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let (cuts, _) = watch::channel(0);
        let (listening, mut listen) = watch::channel(true);
        let proxy = TcpProxy { addr, open: open.clone(), cuts: cuts.clone(), listening };
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                let Some(bound) = &listener else {
                    // Stopped: wait to listen again, on the same port.
                    if listen.wait_for(|on| *on).await.is_err() {
                        return;
                    }
                    listener = Some(bind_again(addr).await);
                    continue;
                };
                tokio::select! {
                    accepted = bound.accept() => {
                        let Ok((client, _)) = accepted else { return };
                        if !open.load(Ordering::SeqCst) {
                            drop(client);
                            continue;
                        }
                        tokio::spawn(forward(client, upstream.clone(), cuts.subscribe()));
                    }
                    changed = listen.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        if !*listen.borrow() {
                            listener = None;
                        }
                    }
                }
            }
        });
        proxy
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Ends every open connection and refuses new ones until [`Self::restore`].
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Ends every open connection and stops listening, so that new connections are
    /// refused, as they are by a stopped PostgreSQL, until [`Self::restore`].
    pub fn stop(&self) {
        self.listening.send_replace(false);
        self.cut();
    }

    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
        self.listening.send_replace(true);
    }
}

/// The proxy's own port again; another socket may hold it for a moment after the stop.
///
/// A loop of its own rather than `polling::poll_with`: this runs inside the proxy's spawned
/// task, which must be `Send`, and the compiler cannot yet prove that of an `AsyncFnMut`
/// probe's future for every borrow.
async fn bind_again(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return listener;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the proxy could not listen on {addr} again within 5 s");
}

async fn forward(mut client: TcpStream, upstream: String, mut cuts: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cuts.changed() => {}
    }
}
