// <stamp-card> loader: defines the custom element and starts the WebAssembly widget.
//
//   <script type="module" src="https://STAMP-HOST/widget/stampcard.js"></script>
//   <stamp-card stamp-url="https://STAMP-HOST/stamp/TOKEN"></stamp-card>
//
// Each element renders into its own open shadow root (the page's CSS cannot reach in, the
// widget's cannot leak out) and runs its own app. Without stamp-url the element shows the
// stamp of the page's own URL (that is what /stamp/TOKEN does).
import init, { mount } from './pkg/stampcard_widget.js';

const ready = init({ module_or_path: new URL('./pkg/stampcard_widget_bg.wasm', import.meta.url) });

// The stamp page itself (<html data-lang="auto">) speaks the browser's language.
const root = document.documentElement;
if (root.dataset.lang === 'auto' && /^ko\b/i.test(navigator.language || '')) root.lang = 'ko';

class StampCard extends HTMLElement {
  static observedAttributes = ['stamp-url', 'lang'];

  connectedCallback() {
    const shadow = this.shadowRoot || this.attachShadow({ mode: 'open' });
    const serial = (this._serial = (this._serial || 0) + 1);
    ready.then(() => {
      // The element may have left (or been re-added) while the wasm was loading.
      if (!this.isConnected || serial !== this._serial || this._app) return;
      const lang = this.closest('[lang]')?.getAttribute('lang') || navigator.language || 'en';
      this._app = mount(shadow, this.getAttribute('stamp-url'), lang);
    }, (error) => {
      shadow.textContent = 'The stamp card could not load.';
      console.error('stamp-card:', error);
    });
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

if (!customElements.get('stamp-card')) customElements.define('stamp-card', StampCard);
