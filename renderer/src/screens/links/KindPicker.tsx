import { useId } from 'react';
import type { KeyView, LinkKind, ProviderView, TokenKindView } from '../../../../shared/ipc.ts';

/** What the Links screen loads once: the kinds that can be links, their forms, the vault's keys. */
export interface LinkCatalog {
  kinds: LinkKind[];
  providers: ProviderView[];
  keys: KeyView[];
}

export interface KindChoice {
  provider: string;
  kind: string;
  key: string;
}

/** The provider and kind of a choice, with the form of its parameters; null if unknown. */
export function kindOf(
  catalog: LinkCatalog,
  choice: Pick<KindChoice, 'provider' | 'kind'>,
): { provider: ProviderView; kind: TokenKindView } | null {
  const provider = catalog.providers.find((p) => p.id === choice.provider);
  const kind = provider?.kinds.find((k) => k.id === choice.kind);
  return provider && kind ? { provider, kind } : null;
}

/** The keys that can sign a kind, those tagged with its provider first. */
export function keysFor(catalog: LinkCatalog, provider: string, kind: TokenKindView): KeyView[] {
  const usable = catalog.keys.filter((k) => kind.algs.includes(k.alg) && k.status === 'active');
  return [
    ...usable.filter((k) => k.provider === provider),
    ...usable.filter((k) => k.provider !== provider),
  ];
}

/** A first choice: Frameable attendee if there is one, else the first kind, with a usable key. */
export function firstChoice(catalog: LinkCatalog): KindChoice | null {
  const first =
    catalog.kinds.find((k) => k.provider === 'frameable' && k.kind === 'attendee') ??
    catalog.kinds[0];
  return first ? withKey(catalog, { ...first, key: '' }) : null;
}

function withKey(catalog: LinkCatalog, choice: KindChoice): KindChoice {
  const found = kindOf(catalog, choice);
  const keys = found ? keysFor(catalog, choice.provider, found.kind) : [];
  return {
    ...choice,
    key: keys.some((k) => k.id === choice.key) ? choice.key : (keys[0]?.id ?? ''),
  };
}

/** Provider, token kind (only kinds a browser can be sent to) and signing key. */
export function KindPicker({
  catalog,
  value,
  onChange,
}: {
  catalog: LinkCatalog;
  value: KindChoice;
  onChange: (value: KindChoice) => void;
}) {
  const id = useId();
  const providers = [...new Set(catalog.kinds.map((k) => k.provider))];
  const nameOf = (provider: string): string =>
    catalog.providers.find((p) => p.id === provider)?.name ?? provider;
  const found = kindOf(catalog, value);
  const keys = found ? keysFor(catalog, value.provider, found.kind) : [];
  const destination = catalog.kinds.find(
    (k) => k.provider === value.provider && k.kind === value.kind,
  )?.destination;
  return (
    <div className="grid kind-picker">
      <div className="field">
        <label htmlFor={`${id}-provider`}>Provider</label>
        <select
          id={`${id}-provider`}
          value={value.provider}
          onChange={(e) => {
            const kind = catalog.kinds.find((k) => k.provider === e.target.value)?.kind ?? '';
            onChange(withKey(catalog, { provider: e.target.value, kind, key: value.key }));
          }}
        >
          {providers.map((p) => (
            <option key={p} value={p}>
              {nameOf(p)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Token kind</label>
        <select
          id={`${id}-kind`}
          value={value.kind}
          onChange={(e) => onChange(withKey(catalog, { ...value, kind: e.target.value }))}
          aria-describedby={`${id}-destination`}
        >
          {catalog.kinds
            .filter((k) => k.provider === value.provider)
            .map((k) => {
              const description = kindOf(catalog, k)?.kind.description;
              return (
                <option key={k.kind} value={k.kind}>
                  {description ? `${k.kind} — ${description}` : k.kind}
                </option>
              );
            })}
        </select>
        <span id={`${id}-destination`} className="hint">
          {destination ? `Each click goes to the ${destination} link with a fresh token.` : ''}
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-key`}>Signing key</label>
        <select
          id={`${id}-key`}
          value={value.key}
          onChange={(e) => onChange({ ...value, key: e.target.value })}
          aria-describedby={`${id}-key-hint`}
        >
          {keys.length === 0 && <option value="">No suitable key</option>}
          {keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name} ({k.alg})
            </option>
          ))}
        </select>
        <span id={`${id}-key-hint`} className="hint">
          {found ? `Needs ${found.kind.keyDescription}.` : ''}
        </span>
      </div>
    </div>
  );
}
