//! The sign-in gate: checking a remembered session, signed out (with why), or signed in.

use stampcard_core::dashboard::SessionView;

use crate::api::CallError;

/// Where the sign-in stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Session {
    /// `GET /me` is in flight (the page just loaded).
    Checking,
    /// The sign-in form, with the reason it shows, if any.
    SignedOut(Option<SignedOutWhy>),
    /// Signed in.
    SignedIn(SessionView),
}

/// Why the sign-in form is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedOutWhy {
    /// The user signed out.
    SignedOut,
    /// A call answered 401: the session expired or was ended elsewhere.
    Expired,
    /// The check on load could not reach the server (or it failed).
    Failed(CallError),
}

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionAction {
    /// `GET /me` answered.
    Resumed(Result<SessionView, CallError>),
    /// Login succeeded.
    SignedIn(SessionView),
    /// The user signed out.
    SignedOut,
    /// A call answered 401.
    Expired,
}

impl Session {
    /// The next state.
    pub fn reduce(self, action: SessionAction) -> Session {
        match action {
            SessionAction::Resumed(Ok(me)) | SessionAction::SignedIn(me) => Session::SignedIn(me),
            // No session yet is the normal first visit, not a problem to report.
            SessionAction::Resumed(Err(error)) if error.session_ended() => Session::SignedOut(None),
            SessionAction::Resumed(Err(error)) => Session::SignedOut(Some(SignedOutWhy::Failed(error))),
            SessionAction::SignedOut => Session::SignedOut(Some(SignedOutWhy::SignedOut)),
            // Only a session that was open can expire; a late 401 after sign-out changes nothing.
            SessionAction::Expired => match self {
                Session::SignedIn(_) => Session::SignedOut(Some(SignedOutWhy::Expired)),
                other => other,
            },
        }
    }

    /// The signed-in user.
    pub fn me(&self) -> Option<&SessionView> {
        match self {
            Session::SignedIn(me) => Some(me),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampcard_core::dashboard::Role;

    fn me() -> SessionView {
        SessionView {
            user_idx: 1,
            email: "owner@shop.example".into(),
            role: Role::Owner,
            account_idx: 1,
            account_nm: "Shop".into(),
            plan: "PERSONAL".into(),
            csrf_token: "t".into(),
        }
    }

    fn refused(status: u16) -> CallError {
        CallError::Refused { status, code: 2006, message: "no session".into() }
    }

    #[test]
    fn a_first_visit_without_a_session_shows_the_form_quietly() {
        assert_eq!(Session::Checking.reduce(SessionAction::Resumed(Err(refused(401)))), Session::SignedOut(None));
        assert_eq!(Session::Checking.reduce(SessionAction::Resumed(Ok(me()))), Session::SignedIn(me()));
    }

    #[test]
    fn a_failed_check_says_why() {
        let state = Session::Checking.reduce(SessionAction::Resumed(Err(CallError::Network)));
        assert_eq!(state, Session::SignedOut(Some(SignedOutWhy::Failed(CallError::Network))));
        let state = Session::Checking.reduce(SessionAction::Resumed(Err(refused(503))));
        assert_eq!(state, Session::SignedOut(Some(SignedOutWhy::Failed(refused(503)))));
    }

    #[test]
    fn an_expired_session_goes_back_to_sign_in_once() {
        let signed_in = Session::SignedOut(None).reduce(SessionAction::SignedIn(me()));
        assert_eq!(signed_in.me(), Some(&me()));
        let expired = signed_in.reduce(SessionAction::Expired);
        assert_eq!(expired, Session::SignedOut(Some(SignedOutWhy::Expired)));
        let signed_out = Session::SignedIn(me()).reduce(SessionAction::SignedOut);
        assert_eq!(signed_out.clone().reduce(SessionAction::Expired), signed_out);
    }
}
