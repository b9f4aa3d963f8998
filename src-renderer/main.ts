import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { AppState } from './lib/app-state.svelte.js';
import { pickApi } from './lib/pick-api.js';

mount(App, { target: document.getElementById('app')!, props: { app: new AppState(pickApi()) } });
