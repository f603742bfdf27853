// <stamp-card> loader: defines the custom element and starts the WebAssembly widget.
//
//   <script type="module" src="https://STAMP-HOST/widget/stampcard.js"></script>
//   <stamp-card stamp-url="https://STAMP-HOST/stamp/TOKEN"></stamp-card>
//
// This is the source: `cargo xtask build` replaces the two placeholder URLs below with the
// content-hashed names of the widget's JS glue and wasm, minifies it, and writes it as
// www/widget/pkg/stampcard.js (served at /widget/stampcard.js, the stable name shops embed)
// and as www/widget/pkg/stampcard.<hash>.js (the stamp page's own copy, cached for a year).
//
// Each element renders into its own open shadow root (the page's CSS cannot reach in, the
// widget's cannot leak out) and runs its own app. Without stamp-url the element shows the
// stamp of the page's own URL (that is what /stamp/TOKEN does); there the server has already
// rendered the card's first screen into a declarative shadow root, which the app replaces
// once the wasm is running.
const GLUE = new URL('./STAMPCARD_GLUE.js', import.meta.url).href;
const WASM = new URL('./STAMPCARD_WASM.wasm', import.meta.url);

// One download for every element on the page; after a failure the next attempt starts anew.
let loading = null;
function load(attempt) {
  if (!loading) {
    // A failed module import may be remembered under its URL, so a retry asks for a new one.
    const url = attempt ? `${GLUE}?retry=${attempt}` : GLUE;
    loading = import(url).then(async (glue) => {
      await glue.default({ module_or_path: WASM });
      return glue;
    });
    loading.catch(() => { loading = null; });
  }
  return loading;
}

// The stamp page itself (<html data-lang="auto">) speaks the browser's language.
const root = document.documentElement;
if (root.dataset.lang === 'auto') root.lang = /^ko\b/i.test(navigator.language || '') ? 'ko' : 'en';

const FALLBACK = {
  en: ['The stamp card could not load', 'Check your internet connection and try again.', 'Try again'],
  ko: ['스탬프 카드를 불러오지 못했어요', '인터넷 연결을 확인하고 다시 시도하세요.', '다시 시도'],
};
// The widget's look (its style sheet is inside the wasm, which did not arrive).
const FALLBACK_STYLE = ':host{all:initial;display:block}'
  + '.sc{color:#1f2328;font:400 16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR",sans-serif}'
  + '.card{box-sizing:border-box;max-width:420px;margin:0 auto;padding:20px;background:#fff;border:1px solid #d0d7de;'
  + 'border-radius:16px;box-shadow:0 4px 18px rgba(31,35,40,.08)}'
  + '.name{margin:0;font-size:22px;font-weight:700;line-height:1.25}p{margin:4px 0 12px}'
  + 'button{display:block;width:100%;min-height:48px;padding:10px 16px;border:2px solid #1d4ed8;border-radius:10px;'
  + 'background:#1d4ed8;color:#fff;font:inherit;font-size:17px;font-weight:600;cursor:pointer}'
  + 'button:hover{background:#1e40af}button[aria-busy=true]{opacity:.75;cursor:progress}';

class StampCard extends HTMLElement {
  static observedAttributes = ['stamp-url', 'lang'];

  connectedCallback() {
    const shadow = this.shadowRoot || this.attachShadow({ mode: 'open' });
    const serial = (this._serial = (this._serial || 0) + 1);
    this._start(shadow, serial, 0);
  }

  _lang() {
    return this.closest('[lang]')?.getAttribute('lang') || navigator.language || 'en';
  }

  _start(shadow, serial, attempt) {
    load(attempt).then((glue) => {
      // The element may have left (or been re-added) while the wasm was loading.
      if (!this.isConnected || serial !== this._serial || this._app) return;
      // What is shown until now (the server's first screen, or the fallback) gives way to the
      // app, which renders before the next paint; what the customer typed meanwhile is kept.
      const typed = [...shadow.querySelectorAll('input')].map((input) => input.value);
      shadow.replaceChildren();
      this._app = glue.mount(shadow, this.getAttribute('stamp-url'), this._lang());
      if (typed.some(Boolean)) requestAnimationFrame(() => carryOver(shadow, typed));
    }, (error) => {
      console.error('stamp-card:', error);
      if (this.isConnected && serial === this._serial) this._fallback(shadow, serial, attempt);
    });
  }

  // The widget could not load (offline, blocked, a failed download): say so and offer a retry.
  _fallback(shadow, serial, attempt) {
    const [title, body, retry] = FALLBACK[/^ko\b/i.test(this._lang()) ? 'ko' : 'en'];
    const style = document.createElement('style');
    style.textContent = FALLBACK_STYLE;
    const frame = document.createElement('div');
    frame.className = 'sc';
    frame.lang = this._lang();
    const card = frame.appendChild(document.createElement('div'));
    card.className = 'card';
    card.setAttribute('role', 'alert');
    const heading = card.appendChild(document.createElement(this.getAttribute('stamp-url') ? 'h2' : 'h1'));
    heading.className = 'name';
    heading.textContent = title;
    card.appendChild(document.createElement('p')).textContent = body;
    const button = card.appendChild(document.createElement('button'));
    button.type = 'button';
    button.textContent = retry;
    button.addEventListener('click', () => {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      this._start(shadow, serial, attempt + 1);
    });
    shadow.replaceChildren(style, frame);
  }

  disconnectedCallback() {
    this._serial = (this._serial || 0) + 1;
    if (this._app) {
      this._app.unmount();
      this._app.free();
      this._app = null;
    }
  }

  attributeChangedCallback(name, before, after) {
    if (before === after || !this._app) return;
    this.disconnectedCallback();
    this.connectedCallback();
  }
}

// Puts what was typed into the server-rendered form into the app's same fields.
function carryOver(shadow, typed) {
  const inputs = shadow.querySelectorAll('input');
  typed.forEach((value, index) => {
    const input = inputs[index];
    if (!value || !input || input.value) return;
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  });
}

if (!customElements.get('stamp-card')) customElements.define('stamp-card', StampCard);
