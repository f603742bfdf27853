// Loads the dashboard's WebAssembly and mounts it into #app in the browser's language.
import init, { mount } from './pkg/stampcard_dashboard.js';

const app = document.getElementById('app');
const lang = /^ko\b/i.test(navigator.language || '') ? 'ko' : 'en';
document.documentElement.lang = lang;

init({ module_or_path: new URL('./pkg/stampcard_dashboard_bg.wasm', import.meta.url) }).then(() => {
  app.textContent = '';
  mount(app, lang);
}, (error) => {
  app.textContent = 'The back office could not load.';
  console.error('dashboard:', error);
});
