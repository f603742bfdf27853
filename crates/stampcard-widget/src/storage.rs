//! The session token, remembered in `sessionStorage` per stamp so a reload goes straight to
//! the card. Storage can be unavailable (privacy modes, blocked third-party storage): then
//! the customer simply enters the PIN again.

fn key(token: &str) -> String {
    ["stampcard:session:", token].concat()
}

fn session_storage() -> Option<web_sys::Storage> {
    // Outside the browser (the server's first render) there is no storage: a first visit.
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    web_sys::window()?.session_storage().ok().flatten()
}

/// The session remembered for the stamp `token`.
pub fn load(token: &str) -> Option<String> {
    session_storage()?.get_item(&key(token)).ok().flatten().filter(|s| !s.is_empty())
}

/// Remembers (or with `None` forgets) the session for the stamp `token`.
pub fn save(token: &str, session: Option<&str>) {
    let Some(storage) = session_storage() else { return };
    // Failing to store only costs the customer a PIN entry on reload.
    let _ = match session {
        Some(session) => storage.set_item(&key(token), session),
        None => storage.remove_item(&key(token)),
    };
}
