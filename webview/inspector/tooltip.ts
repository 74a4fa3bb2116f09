// The map's tooltip: what is under the pointer (shared/ui.ts describeHit: kind, exact start,
// end and length), the note on encoded (compressed) extents, whose lengths FIEMAP gives before
// compression, and the sentences screen readers hear for a hit or a selected extent.
import { EXTENT_CLASSES, type WireExtent } from '../../src/protocol/messages';
import { classOf } from '../../src/protocol/extent-class';
import { fractionPercent, groupDigits, humanBytes } from '../../src/protocol/format';
import type { Hit } from '../shared/map-canvas';
import { CLASS_LABELS, describeHit, el, extentNumber } from '../shared/ui';
import { l10n } from '../shared/l10n';

const ENCODED = EXTENT_CLASSES.indexOf('encoded');

/** One sentence for a hit: what it is, from where to where, how long. */
export function hitLabel(h: Hit): string {
  const what =
    h.kind === 'extent'
      ? CLASS_LABELS[classOf(h.extent.flags, h.extent.refcount)]
      : h.kind === 'hole'
        ? l10n.t('Hole')
        : h.kind === 'pixel'
          ? l10n.t('One pixel with {0} extents,', groupDigits(BigInt(h.extents)))
          : h.extents !== undefined
            ? h.extents === 1
              ? l10n.t('One pixel with 1 extent, {0}% allocated,', fractionPercent(h.fractions.reduce((x, f) => x + f, 0)))
              : l10n.t(
                  'One pixel with {0} extents, {1}% allocated,',
                  groupDigits(BigInt(h.extents)),
                  fractionPercent(h.fractions.reduce((x, f) => x + f, 0)),
                )
            : l10n.t('One pixel (sampled)');
  return l10n.t('{0} from {1} to {2}, {3}', what, groupDigits(h.offset), groupDigits(h.offset + h.length), humanBytes(h.length));
}

/**
 * The tooltip's note for encoded data: FIEMAP gives an encoded (compressed) extent's length
 * before compression and not what it takes on disk. Undefined when the hit has none.
 */
export function encodedNote(h: Hit): HTMLElement | undefined {
  if (h.kind === 'extent' && h.extent.flags.includes('encoded'))
    return el(
      'div',
      { class: 'tt-note tt-encoded' },
      l10n.t('Encoded (compressed): this length is before compression; on disk it may take less (FIEMAP does not report how much).'),
    );
  if ((h.kind === 'bin' && h.fractions[ENCODED] > 0) || (h.kind === 'pixel' && h.bytes.encoded > 0n))
    return el(
      'div',
      { class: 'tt-note tt-encoded' },
      l10n.t(
        'Encoded or encrypted data here: encoded (compressed) lengths are before compression; on disk they may take less (FIEMAP does not report how much).',
      ),
    );
  return undefined;
}

/** The sentence for a selected extent (row `row.index`, counted from 1 for people). */
export function extentLabel(row: WireExtent): string {
  const off = BigInt(row.offset);
  const len = BigInt(row.length);
  return l10n.t(
    'Selected extent {0}: {1} from {2} to {3}, {4}',
    row.index !== undefined ? extentNumber(row.index) : '',
    CLASS_LABELS[classOf(row.flags, row.refcount)],
    groupDigits(off),
    groupDigits(off + len),
    humanBytes(len),
  );
}

interface MapTooltip {
  el: HTMLElement;
  /** Describe `h` under the map, beside CSS x `cssX` (`eof`: where extents are past EOF); screen readers hear it once the pointer rests. */
  show(h: Hit, cssX: number, eof?: bigint): void;
  hide(): void;
}

export function createTooltip(mapWrap: HTMLElement, mapCanvas: HTMLElement, announce: (text: string) => void): MapTooltip {
  const tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
  let hoverAnnounce: number | undefined;
  return {
    el: tooltip,
    show(h, cssX, eof) {
      // screen readers hear the hovered range once the pointer rests (not on every move)
      if (hoverAnnounce !== undefined) clearTimeout(hoverAnnounce);
      hoverAnnounce = window.setTimeout(() => announce(hitLabel(h)), 600);
      const note = encodedNote(h);
      tooltip.replaceChildren(...describeHit(h, eof), ...(note ? [note] : []));
      tooltip.removeAttribute('hidden');
      const wrapW = mapWrap.clientWidth;
      // measured where it has the whole width: left where the last one was (near the right
      // edge), it shrank to the room there and wrapped its human sizes ("53.1 MiB ·" / "0x3518000")
      tooltip.style.left = '0px';
      const tw = tooltip.offsetWidth;
      tooltip.style.left = `${Math.max(0, Math.min(wrapW - tw, cssX + 12))}px`;
      tooltip.style.top = `${mapCanvas.offsetTop + mapCanvas.offsetHeight + 4}px`;
    },
    hide() {
      tooltip.setAttribute('hidden', '');
    },
  };
}
