/** Preact glue: re-render on session changes (at most once per animation frame). */
import { createContext } from "preact";
import { useContext, useEffect, useReducer } from "preact/hooks";
import type { Session } from "./session.js";

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (s === null) throw new Error("no session");
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    let raf = 0;
    const off = s.subscribe(() => {
      if (raf === 0) {
        raf = requestAnimationFrame(() => {
          raf = 0;
          bump(0);
        });
      }
    });
    return () => {
      off();
      cancelAnimationFrame(raf);
    };
  }, [s]);
  return s;
}
