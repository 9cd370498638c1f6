import { mount } from 'svelte'
import App from './App.svelte'
import './app.css'
import { i18n } from './lib/i18n.svelte.ts'

document.documentElement.lang = i18n.lang
export default mount(App, { target: document.getElementById('app')! })
