//! The page's state machine: which screen shows, given what the API answered.
//!
//! A pure reducer (`State::reduce`) with no DOM, no HTTP and no clock, so every transition
//! is unit-tested natively. The app component performs the requests and feeds their results
//! in as [`Action`]s.

use stampcard_core::ErrorCode;
use stampcard_core::model::StampState;
use stampcard_core::secret::{PinError, check_pin};
use stampcard_core::types::Ymd;
use stampcard_core::wire::{PageIntro, PageView, PinState, SessionResult};

use crate::api::CallError;

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Waiting for the first answer.
    Loading,
    /// Choose a PIN: the first visit, or `reset` after the shop reset it.
    SetPin {
        /// The shop reset the PIN ("choose a new one").
        reset: bool,
    },
    /// Enter the PIN.
    EnterPin {
        /// Seconds PIN entry stays locked after too many wrong PINs.
        locked_secs: Option<u32>,
    },
    /// The card itself (collecting, full, redeemed, expired, not started or inactive).
    Card(Box<PageView>),
    /// The card cannot be used (expired, not started yet, paused by the shop), said before
    /// any PIN: the intro already knows, and a PIN would not make the card usable.
    Closed(Closed),
    /// Deleted or unknown link.
    Gone,
    /// The server could not be reached (`network`) or failed; the page offers a retry.
    Failed {
        /// No answer at all, rather than a server error.
        network: bool,
    },
}

/// Why a card cannot be used, from the intro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// `Expired`, `NotStarted` or `Inactive`.
    pub state: StampState,
    /// First valid day.
    pub strt_ymd: Ymd,
    /// Last valid day (inclusive).
    pub end_ymd: Ymd,
}

impl Closed {
    /// The closed screen for an intro whose card cannot be used, else `None` (collecting,
    /// full and redeemed cards open with the PIN).
    pub fn of(intro: &PageIntro) -> Option<Closed> {
        matches!(intro.state, StampState::Expired | StampState::NotStarted | StampState::Inactive).then_some(Closed {
            state: intro.state,
            strt_ymd: intro.strt_ymd,
            end_ymd: intro.end_ymd,
        })
    }
}

/// A form on the page, to put a problem next to the right one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Set or enter the PIN.
    Pin,
    /// The staff section.
    Staff,
    /// The change-PIN section.
    ChangePin,
}

/// Why the last submission of a form failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// No answer from the server.
    Network,
    /// The server refused with this code.
    Refused(ErrorCode),
}

impl From<&CallError> for Problem {
    fn from(error: &CallError) -> Problem {
        error.code().map_or(Problem::Network, Problem::Refused)
    }
}

/// What the live region announces after a staff or PIN action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// A stamp was added; the new count.
    StampAdded {
        /// Stamps now collected.
        stamps: u32,
        /// Stamps needed.
        max_stamps: u32,
    },
    /// The reward was redeemed.
    Redeemed,
    /// The PIN was changed.
    PinChanged,
}

/// The two things staff can do on the customer's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// Add one stamp.
    Add,
    /// Redeem the reward.
    Redeem,
}

/// Something that happened: a user submission or an API answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Load (or retry loading) the page.
    Reload,
    /// The intro arrived, and the card when a stored session was tried with it.
    Loaded {
        /// `GET /api/page/v1/{token}`.
        intro: Result<PageIntro, CallError>,
        /// `GET .../card` with the stored session, if there was one.
        card: Option<Result<PageView, CallError>>,
    },
    /// A form was submitted; its request is in flight.
    Submitted,
    /// The PIN was set or verified, and the card fetched with the new session.
    Opened {
        /// The new session token.
        session: String,
        /// `GET .../card` with it.
        card: Result<PageView, CallError>,
    },
    /// Setting or verifying the PIN was refused.
    PinRefused(CallError),
    /// A staff action's answer.
    Staff {
        /// What staff did.
        action: StaffAction,
        /// The card afterwards, or why not.
        result: Result<PageView, CallError>,
    },
    /// A fresh copy of the card (after a refusal that hints the shown card is stale).
    Refreshed(Result<PageView, CallError>),
    /// The change-PIN answer.
    PinChanged(Result<SessionResult, CallError>),
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The screen.
    pub screen: Screen,
    /// The card's name and reward text, once known (shown above the PIN forms too).
    pub title: Option<(String, String)>,
    /// The session token (mirrored into `sessionStorage`).
    pub session: Option<String>,
    /// A request from a form is in flight.
    pub busy: bool,
    /// Why the last submission failed, and of which form.
    pub problem: Option<(Form, Problem)>,
    /// The last success to announce.
    pub announcement: Option<Announcement>,
    /// Bumped to (re)load the page: the app loads whenever it changes.
    pub load: u32,
    /// Bumped whenever a lock starts, so countdowns restart even for the same length.
    pub lock_serial: u32,
}

impl State {
    /// The state before anything loaded, with the session remembered from an earlier visit.
    pub fn new(session: Option<String>) -> State {
        State {
            screen: Screen::Loading,
            title: None,
            session,
            busy: false,
            problem: None,
            announcement: None,
            load: 0,
            lock_serial: 0,
        }
    }

    /// The shown card, if the card screen is up.
    pub fn view(&self) -> Option<&PageView> {
        match &self.screen {
            Screen::Card(view) => Some(view),
            _ => None,
        }
    }

    /// The problem of `form`, if the last submission of that form failed.
    pub fn problem_of(&self, form: Form) -> Option<Problem> {
        self.problem.filter(|(f, _)| *f == form).map(|(_, p)| p)
    }

    /// Applies one action.
    pub fn reduce(mut self, action: Action) -> State {
        match action {
            Action::Reload => {
                self.screen = Screen::Loading;
                self.problem = None;
                self.load = self.load.wrapping_add(1);
            }
            Action::Loaded { intro, card } => {
                self.busy = false;
                self.problem = None;
                if let Ok(intro) = &intro {
                    self.title = Some((intro.card_nm.clone(), intro.card_ttl.clone()));
                }
                match card {
                    Some(Ok(view)) => return self.show(view),
                    Some(Err(error)) if !ends_session(&error) => return self.fail(&error),
                    Some(Err(_)) => self.session = None,
                    None => {}
                }
                match intro {
                    Ok(intro) => match Closed::of(&intro) {
                        Some(closed) => {
                            self.session = None;
                            self.screen = Screen::Closed(closed);
                        }
                        None => self.ask_pin(intro.pin_state, intro.pin_locked_secs),
                    },
                    Err(error) => return self.fail(&error),
                }
            }
            Action::Submitted => {
                self.busy = true;
                self.problem = None;
                self.announcement = None;
            }
            Action::Opened { session, card } => {
                self.busy = false;
                self.session = Some(session);
                match card {
                    Ok(view) => return self.show(view),
                    Err(error) if ends_session(&error) => self.ask_pin(PinState::Set, None),
                    Err(error) => return self.fail(&error),
                }
            }
            Action::PinRefused(error) => {
                self.busy = false;
                match error.code() {
                    Some(ErrorCode::Locked) => {
                        self.ask_pin(PinState::Set, error.retry_after_secs());
                        if error.retry_after_secs().is_none() {
                            self.problem = Some((Form::Pin, Problem::Refused(ErrorCode::Locked)));
                        }
                    }
                    // The wrong PIN that starts a lock says so with a Retry-After: then the
                    // countdown is the one message ("wrong" as well would say two things).
                    Some(ErrorCode::WrongPin) => match error.retry_after_secs() {
                        Some(secs) => self.ask_pin(PinState::Set, Some(secs)),
                        None => self.problem = Some((Form::Pin, Problem::Refused(ErrorCode::WrongPin))),
                    },
                    Some(ErrorCode::PinAlreadySet) => self.ask_pin(PinState::Set, None),
                    Some(ErrorCode::PinNotSet) => self.ask_pin(PinState::Reset, None),
                    Some(ErrorCode::StampNotFound) => return self.fail(&error),
                    _ => self.problem = Some((Form::Pin, Problem::from(&error))),
                }
            }
            Action::Staff { action, result } => {
                self.busy = false;
                match result {
                    Ok(view) => {
                        self.announcement = Some(match action {
                            StaffAction::Add => {
                                Announcement::StampAdded { stamps: view.stamps, max_stamps: view.max_stamps }
                            }
                            StaffAction::Redeem => Announcement::Redeemed,
                        });
                        return self.show(view);
                    }
                    Err(error) => return self.refused_on_card(Form::Staff, &error),
                }
            }
            Action::Refreshed(result) => match result {
                Ok(view) if matches!(self.screen, Screen::Card(_)) => {
                    let problem = self.problem;
                    self = self.show(view);
                    self.problem = problem;
                }
                Ok(_) => {}
                Err(error) if ends_session(&error) => self.ask_pin(PinState::Set, None),
                Err(_) => {}
            },
            Action::PinChanged(result) => {
                self.busy = false;
                match result {
                    Ok(session) => {
                        self.session = Some(session.session_token);
                        self.announcement = Some(Announcement::PinChanged);
                    }
                    Err(error) => return self.refused_on_card(Form::ChangePin, &error),
                }
            }
        }
        self
    }

    fn show(mut self, view: PageView) -> State {
        self.busy = false;
        self.problem = None;
        self.title = Some((view.card_nm.clone(), view.card_ttl.clone()));
        if view.onsite_locked_secs.is_some() {
            self.lock_serial = self.lock_serial.wrapping_add(1);
        }
        self.screen = Screen::Card(Box::new(view));
        self
    }

    fn fail(mut self, error: &CallError) -> State {
        self.busy = false;
        self.announcement = None;
        self.screen = match error.code() {
            None => Screen::Failed { network: true },
            Some(ErrorCode::StampNotFound) => Screen::Gone,
            Some(_) => Screen::Failed { network: false },
        };
        self
    }

    fn ask_pin(&mut self, pin_state: PinState, locked_secs: Option<u32>) {
        self.session = None;
        self.announcement = None;
        self.screen = match pin_state {
            PinState::Unset => Screen::SetPin { reset: false },
            PinState::Reset => Screen::SetPin { reset: true },
            PinState::Set => Screen::EnterPin { locked_secs },
        };
        if locked_secs.is_some() {
            self.lock_serial = self.lock_serial.wrapping_add(1);
        }
    }

    /// A refusal of a form on the card screen (staff or change PIN).
    fn refused_on_card(mut self, form: Form, error: &CallError) -> State {
        // A staff refusal with a Retry-After (`Locked`, or the wrong password that starts the
        // lock) locks the staff section; the card's pace rules (also with a Retry-After) only
        // say why.
        let password_lock = matches!(error.code(), Some(ErrorCode::Locked | ErrorCode::WrongOnsitePassword));
        let lock = error.retry_after_secs().filter(|_| form == Form::Staff && password_lock);
        if let (Some(secs), Screen::Card(view)) = (lock, &mut self.screen) {
            view.onsite_locked_secs = Some(secs);
            self.lock_serial = self.lock_serial.wrapping_add(1);
        }
        match error.code() {
            Some(ErrorCode::SessionRequired) => self.ask_pin(PinState::Set, None),
            Some(ErrorCode::StampNotFound) => return self.fail(error),
            // A lock (also the wrong password that starts one) shows only its countdown.
            Some(_) if lock.is_some() => {}
            _ => self.problem = Some((form, Problem::from(error))),
        }
        self
    }
}

impl CallError {
    /// The `Retry-After` seconds of a refusal, if any.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            CallError::Refused { retry_after_secs, .. } => *retry_after_secs,
            CallError::Network => None,
        }
    }
}

/// Whether a refusal means the stored session is no longer good (expired, or the PIN was
/// reset so no session can exist).
fn ends_session(error: &CallError) -> bool {
    matches!(error.code(), Some(ErrorCode::SessionRequired | ErrorCode::PinNotSet))
}

/// Whether a refusal of a staff action means the shown card is out of date, so the app
/// should fetch it again.
pub fn card_is_stale(error: &CallError) -> bool {
    matches!(
        error.code(),
        Some(
            ErrorCode::Full
                | ErrorCode::AlreadyRedeemed
                | ErrorCode::NotComplete
                | ErrorCode::Expired
                | ErrorCode::NotStarted
                | ErrorCode::Inactive
                | ErrorCode::OnsiteNotEnabled
        )
    )
}

/// What the new-PIN form shows as the customer types: the core's rule verdict and whether
/// the confirmation matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPinCheck {
    /// The core's verdict on the new PIN.
    pub rule: Result<(), PinError>,
    /// The confirmation equals the new PIN.
    pub matches: bool,
}

impl NewPinCheck {
    /// Checks a new PIN and its confirmation with the core's rules.
    pub fn of(pin: &str, confirm: &str) -> NewPinCheck {
        NewPinCheck { rule: check_pin(pin), matches: pin == confirm }
    }

    /// The form may be submitted.
    pub fn ready(&self) -> bool {
        self.rule.is_ok() && self.matches
    }
}

#[cfg(test)]
mod tests {
    use stampcard_core::types::YesNo;

    use super::*;

    fn intro(pin_state: PinState, pin_locked_secs: Option<u32>) -> PageIntro {
        intro_in(StampState::Collecting, pin_state, pin_locked_secs)
    }

    fn intro_in(state: StampState, pin_state: PinState, pin_locked_secs: Option<u32>) -> PageIntro {
        PageIntro {
            card_nm: "Cafe".into(),
            card_ttl: "Free coffee".into(),
            pin_state,
            pin_locked_secs,
            state,
            strt_ymd: Ymd::parse("2025-01-01").expect("date"),
            end_ymd: Ymd::parse("2025-12-31").expect("date"),
        }
    }

    fn view(stamps: u32) -> PageView {
        let day = Ymd::parse("2025-06-01").expect("date");
        PageView {
            card_nm: "Cafe".into(),
            card_ttl: "Free coffee".into(),
            stamp_img_url: String::new(),
            url: String::new(),
            stamps,
            max_stamps: 10,
            strt_ymd: day,
            end_ymd: day,
            active_yn: YesNo::Y,
            redeemed_ymd: None,
            onsite_yn: YesNo::Y,
            today: day,
            state: StampState::Collecting,
            onsite_locked_secs: None,
            previous_redeemed_ymd: None,
        }
    }

    fn refused(code: ErrorCode) -> CallError {
        CallError::refused(code)
    }

    fn loaded(
        session: Option<&str>,
        intro: Result<PageIntro, CallError>,
        card: Option<Result<PageView, CallError>>,
    ) -> State {
        State::new(session.map(str::to_owned)).reduce(Action::Loaded { intro, card })
    }

    #[test]
    fn first_visit_asks_for_a_new_pin() {
        let state = loaded(None, Ok(intro(PinState::Unset, None)), None);
        assert_eq!(state.screen, Screen::SetPin { reset: false });
        assert_eq!(state.title, Some(("Cafe".into(), "Free coffee".into())));
    }

    #[test]
    fn reset_pin_asks_for_a_new_one_and_forgets_the_session() {
        let state = loaded(Some("s"), Ok(intro(PinState::Reset, None)), Some(Err(refused(ErrorCode::SessionRequired))));
        assert_eq!(state.screen, Screen::SetPin { reset: true });
        assert_eq!(state.session, None);
    }

    #[test]
    fn a_stored_session_goes_straight_to_the_card() {
        let state = loaded(Some("s"), Ok(intro(PinState::Set, None)), Some(Ok(view(3))));
        assert_eq!(state.view().map(|v| v.stamps), Some(3));
        assert_eq!(state.session.as_deref(), Some("s"));
    }

    #[test]
    fn an_expired_session_asks_for_the_pin() {
        let state =
            loaded(Some("s"), Ok(intro(PinState::Set, Some(20))), Some(Err(refused(ErrorCode::SessionRequired))));
        assert_eq!(state.screen, Screen::EnterPin { locked_secs: Some(20) });
        assert_eq!(state.session, None);
        assert_eq!(state.lock_serial, 1);
    }

    #[test]
    fn unusable_cards_say_so_before_any_pin() {
        for pin_state in [PinState::Unset, PinState::Set, PinState::Reset] {
            for state in [StampState::Expired, StampState::NotStarted, StampState::Inactive] {
                let loaded = loaded(None, Ok(intro_in(state, pin_state, None)), None);
                let Screen::Closed(closed) = loaded.screen else { panic!("{state:?}: {:?}", loaded.screen) };
                assert_eq!(closed.state, state);
                assert_eq!(closed.end_ymd, Ymd::parse("2025-12-31").expect("date"));
                assert_eq!(loaded.title, Some(("Cafe".into(), "Free coffee".into())));
            }
        }
        // Usable and finished cards open with the PIN.
        for state in [StampState::Collecting, StampState::Full, StampState::Redeemed] {
            let loaded = loaded(None, Ok(intro_in(state, PinState::Set, None)), None);
            assert_eq!(loaded.screen, Screen::EnterPin { locked_secs: None }, "{state:?}");
        }
        // A remembered session still shows the whole card (with its own banner).
        let mut expired = view(3);
        expired.state = StampState::Expired;
        let state = loaded(Some("s"), Ok(intro_in(StampState::Expired, PinState::Set, None)), Some(Ok(expired)));
        assert_eq!(state.view().map(|v| v.stamps), Some(3));
        // An ended session on a paused card says "paused", not "enter your PIN".
        let state = loaded(
            Some("s"),
            Ok(intro_in(StampState::Inactive, PinState::Set, None)),
            Some(Err(refused(ErrorCode::SessionRequired))),
        );
        assert!(matches!(state.screen, Screen::Closed(Closed { state: StampState::Inactive, .. })));
        assert_eq!(state.session, None);
    }

    #[test]
    fn unknown_links_and_failures_have_their_screens() {
        assert_eq!(loaded(None, Err(refused(ErrorCode::StampNotFound)), None).screen, Screen::Gone);
        assert_eq!(loaded(None, Err(CallError::Network), None).screen, Screen::Failed { network: true });
        assert_eq!(loaded(None, Err(refused(ErrorCode::Internal)), None).screen, Screen::Failed { network: false });
        let state = loaded(Some("s"), Ok(intro(PinState::Set, None)), Some(Err(CallError::Network)));
        assert_eq!(state.screen, Screen::Failed { network: true });
    }

    #[test]
    fn retry_reloads() {
        let state = loaded(None, Err(CallError::Network), None).reduce(Action::Reload);
        assert_eq!(state.screen, Screen::Loading);
        assert_eq!(state.load, 1);
    }

    #[test]
    fn pin_flow() {
        let state = loaded(None, Ok(intro(PinState::Set, None)), None).reduce(Action::Submitted);
        assert!(state.busy);
        let wrong = state.clone().reduce(Action::PinRefused(refused(ErrorCode::WrongPin)));
        assert!(!wrong.busy);
        assert_eq!(wrong.problem_of(Form::Pin), Some(Problem::Refused(ErrorCode::WrongPin)));
        assert_eq!(wrong.problem_of(Form::Staff), None);
        let locked = state
            .clone()
            .reduce(Action::PinRefused(CallError::Refused { code: ErrorCode::Locked, retry_after_secs: Some(30) }));
        assert_eq!(locked.screen, Screen::EnterPin { locked_secs: Some(30) });
        assert_eq!(locked.problem, None);
        let fifth_wrong = state
            .clone()
            .reduce(Action::PinRefused(CallError::Refused { code: ErrorCode::WrongPin, retry_after_secs: Some(30) }));
        assert_eq!(fifth_wrong.screen, Screen::EnterPin { locked_secs: Some(30) });
        assert_eq!(fifth_wrong.problem, None, "the countdown is the one message, not also \"wrong PIN\"");
        let offline = state.clone().reduce(Action::PinRefused(CallError::Network));
        assert_eq!(offline.problem_of(Form::Pin), Some(Problem::Network));
        let opened = state.reduce(Action::Opened { session: "new".into(), card: Ok(view(0)) });
        assert_eq!(opened.session.as_deref(), Some("new"));
        assert_eq!(opened.view().map(|v| v.stamps), Some(0));
    }

    #[test]
    fn pin_state_changes_behind_the_page_are_followed() {
        let set_pin = loaded(None, Ok(intro(PinState::Unset, None)), None);
        let state = set_pin.clone().reduce(Action::PinRefused(refused(ErrorCode::PinAlreadySet)));
        assert_eq!(state.screen, Screen::EnterPin { locked_secs: None });
        let state = state.reduce(Action::PinRefused(refused(ErrorCode::PinNotSet)));
        assert_eq!(state.screen, Screen::SetPin { reset: true });
        let state = set_pin.reduce(Action::PinRefused(refused(ErrorCode::StampNotFound)));
        assert_eq!(state.screen, Screen::Gone);
    }

    #[test]
    fn staff_actions_announce_and_lock() {
        let card = loaded(Some("s"), Ok(intro(PinState::Set, None)), Some(Ok(view(9))));
        let added = card.clone().reduce(Action::Staff { action: StaffAction::Add, result: Ok(view(10)) });
        assert_eq!(added.announcement, Some(Announcement::StampAdded { stamps: 10, max_stamps: 10 }));
        assert_eq!(added.view().map(|v| v.stamps), Some(10));
        let redeemed = added.reduce(Action::Staff { action: StaffAction::Redeem, result: Ok(view(10)) });
        assert_eq!(redeemed.announcement, Some(Announcement::Redeemed));

        let wrong = card
            .clone()
            .reduce(Action::Staff { action: StaffAction::Add, result: Err(refused(ErrorCode::WrongOnsitePassword)) });
        assert_eq!(wrong.problem_of(Form::Staff), Some(Problem::Refused(ErrorCode::WrongOnsitePassword)));
        let locked = card.clone().reduce(Action::Staff {
            action: StaffAction::Add,
            result: Err(CallError::Refused { code: ErrorCode::Locked, retry_after_secs: Some(60) }),
        });
        assert_eq!(locked.view().and_then(|v| v.onsite_locked_secs), Some(60));
        assert_eq!(locked.problem, None);
        assert!(locked.lock_serial > card.lock_serial);
        let fifth_wrong = card.clone().reduce(Action::Staff {
            action: StaffAction::Add,
            result: Err(CallError::Refused { code: ErrorCode::WrongOnsitePassword, retry_after_secs: Some(30) }),
        });
        assert_eq!(fifth_wrong.view().and_then(|v| v.onsite_locked_secs), Some(30));
        assert_eq!(fifth_wrong.problem, None, "the countdown is the one message");
        let too_soon = card.clone().reduce(Action::Staff {
            action: StaffAction::Add,
            result: Err(CallError::Refused { code: ErrorCode::AddTooSoon, retry_after_secs: Some(3600) }),
        });
        assert_eq!(too_soon.view().and_then(|v| v.onsite_locked_secs), None, "a cooldown is no password lock");
        assert_eq!(too_soon.problem_of(Form::Staff), Some(Problem::Refused(ErrorCode::AddTooSoon)));
        let expired =
            card.reduce(Action::Staff { action: StaffAction::Add, result: Err(refused(ErrorCode::SessionRequired)) });
        assert_eq!(expired.screen, Screen::EnterPin { locked_secs: None });
        assert_eq!(expired.session, None);
    }

    #[test]
    fn a_refresh_keeps_the_problem_but_shows_the_new_card() {
        let card = loaded(Some("s"), Ok(intro(PinState::Set, None)), Some(Ok(view(9))));
        let full = card.reduce(Action::Staff { action: StaffAction::Add, result: Err(refused(ErrorCode::Full)) });
        assert!(card_is_stale(&refused(ErrorCode::Full)));
        let refreshed = full.reduce(Action::Refreshed(Ok(view(10))));
        assert_eq!(refreshed.view().map(|v| v.stamps), Some(10));
        assert_eq!(refreshed.problem_of(Form::Staff), Some(Problem::Refused(ErrorCode::Full)));
    }

    #[test]
    fn change_pin() {
        let card = loaded(Some("s"), Ok(intro(PinState::Set, None)), Some(Ok(view(1))));
        let changed = card
            .clone()
            .reduce(Action::PinChanged(Ok(SessionResult { session_token: "t2".into(), expires_in_secs: 60 })));
        assert_eq!(changed.session.as_deref(), Some("t2"));
        assert_eq!(changed.announcement, Some(Announcement::PinChanged));
        let wrong = card.reduce(Action::PinChanged(Err(refused(ErrorCode::WrongPin))));
        assert_eq!(wrong.problem_of(Form::ChangePin), Some(Problem::Refused(ErrorCode::WrongPin)));
        assert_eq!(wrong.session.as_deref(), Some("s"));
    }

    #[test]
    fn new_pin_check_uses_the_core_rules() {
        let check = |pin: &str, confirm: &str| NewPinCheck::of(pin, confirm);
        assert_eq!(check("", "").rule, Err(PinError::Empty));
        assert_eq!(check("12", "12").rule, Err(PinError::TooShort));
        assert_eq!(check("1234", "1234").rule, Err(PinError::TooSimple));
        assert_eq!(check("12a4", "").rule, Err(PinError::NotDigits));
        assert!(!check("2580", "2581").ready());
        assert!(check("2580", "2580").ready());
    }
}
