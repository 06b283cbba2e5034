// Browser entry of session.html: the page that drives the lab worker until the app lands.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SessionPage } from './SessionPage';
import './app.css';
import './session.css';

const root = document.getElementById('root');
if (!root) throw new Error('session.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <SessionPage />
  </StrictMode>,
);
