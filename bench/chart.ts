/**
 * A horizontal bar chart on a log scale, written as SVG text (no charting dependency): one panel per measure, one bar
 * per tool, a whisker for the spread over runs, and the reason in place of a bar where a tool cannot do the case.
 */

/** One bar: a median with its min–max spread, or a note saying why there is no figure. */
export interface Bar {
  label: string;
  value?: number;
  low?: number;
  high?: number;
  note?: string;
  highlight?: boolean;
}

/** One panel of bars sharing an axis (ms, log scale). */
export interface Panel {
  title: string;
  bars: Bar[];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function format(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** Renders the panels (values in ms) as an SVG document with a caption line at the bottom. */
export function barChart(panels: Panel[], caption: string): string {
  const width = 760;
  const labelWidth = 210;
  const plotWidth = width - labelWidth - 80;
  const barHeight = 18;
  const gap = 6;
  const values = panels.flatMap((panel) => panel.bars.flatMap((bar) => [bar.value, bar.low, bar.high]));
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  const minExp = Math.floor(Math.log10(Math.min(...finite, 1)));
  const maxExp = Math.ceil(Math.log10(Math.max(...finite, 10)));
  const x = (ms: number): number =>
    labelWidth + ((Math.log10(Math.max(ms, 10 ** minExp)) - minExp) / (maxExp - minExp)) * plotWidth;
  const out: string[] = [];
  let y = 10;
  for (const panel of panels) {
    y += 18;
    out.push(`<text x="10" y="${y}" class="title">${escapeXml(panel.title)}</text>`);
    y += 10;
    const top = y;
    for (const bar of panel.bars) {
      const mid = y + barHeight / 2;
      out.push(`<text x="${labelWidth - 8}" y="${mid + 4}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      if (bar.value !== undefined && Number.isFinite(bar.value)) {
        const end = x(bar.value);
        const fill = bar.highlight ? '#d9480f' : '#4263eb';
        out.push(
          `<rect x="${labelWidth}" y="${y}" width="${(end - labelWidth).toFixed(1)}" height="${barHeight}" fill="${fill}"/>`,
        );
        if (bar.low !== undefined && bar.high !== undefined) {
          const [a, b] = [x(bar.low), x(bar.high)];
          out.push(
            `<path d="M${a.toFixed(1)} ${mid}H${b.toFixed(1)}M${a.toFixed(1)} ${mid - 4}V${mid + 4}M${b.toFixed(1)} ${mid - 4}V${mid + 4}" stroke="#212529" fill="none"/>`,
          );
        }
        const textX = Math.max(end, bar.high !== undefined ? x(bar.high) : end) + 6;
        out.push(`<text x="${textX.toFixed(1)}" y="${mid + 4}">${format(bar.value)} ms</text>`);
      } else {
        out.push(`<text x="${labelWidth + 6}" y="${mid + 4}" class="note">${escapeXml(bar.note ?? 'n/a')}</text>`);
      }
      y += barHeight + gap;
    }
    for (let e = minExp; e <= maxExp; e++) {
      const tx = x(10 ** e);
      out.push(`<path d="M${tx.toFixed(1)} ${top - 2}V${y - gap + 2}" stroke="#adb5bd" stroke-dasharray="2 3"/>`);
      out.push(`<text x="${tx.toFixed(1)}" y="${y + 10}" text-anchor="middle" class="axis">${10 ** e}</text>`);
    }
    y += 18;
  }
  y += 8;
  out.push(`<text x="10" y="${y}" class="axis">${escapeXml(caption)}</text>`);
  const height = y + 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    '<style>.title{font-weight:600;font-size:13px}.note{fill:#868e96;font-style:italic}.axis{fill:#868e96;font-size:10px}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
