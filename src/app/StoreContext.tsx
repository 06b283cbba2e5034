// The store reaches components through a context (one store per page; tests may make others).
// Components subscribe to slices: useLab((s) => s.view?.counters) re-renders only when that
// slice changes (compared with Object.is; use useShallow for objects built in the selector).
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { LabState, LabStore } from './store';

export const LabStoreContext = createContext<LabStore | null>(null);

export function useLabStore(): LabStore {
  const store = useContext(LabStoreContext);
  if (store === null) throw new Error('useLab: no LabStoreContext above this component');
  return store;
}

export function useLab<T>(selector: (s: LabState) => T): T {
  return useStore(useLabStore(), selector);
}
