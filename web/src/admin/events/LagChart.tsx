// A small SVG line chart of each consumer's total lag over time: a titled, described image for
// screen readers, a colour legend, and the numbers themselves in a table under "Chart data".
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useLocale } from "../../ui/Money";
import { consumersOf, seriesOf, type LagSample, type LagSeries } from "./lagHistory";
import { TableScroll } from "../ui/TableScroll";

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { top: 12, right: 12, bottom: 24, left: 48 };
const PALETTE_SIZE = 6;

interface Frame {
  x: (at: number) => number;
  y: (lag: number) => number;
  maxLag: number;
}

function frameOf(samples: readonly LagSample[]): Frame {
  const first = samples[0]?.at ?? 0;
  const span = (samples[samples.length - 1]?.at ?? first) - first || 1;
  const maxLag = Math.max(1, ...samples.flatMap((s) => Object.values(s.totals)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  return {
    x: (at) => PAD.left + ((at - first) / span) * innerW,
    y: (lag) => PAD.top + innerH - (lag / maxLag) * innerH,
    maxLag,
  };
}

const seriesClass = (index: number) => `lag-series lag-series-${index % PALETTE_SIZE}`;

export function LagChart({ samples }: { samples: readonly LagSample[] }) {
  const { t } = useTranslation("admin");
  const locale = useLocale();
  const titleId = useId();
  const descId = useId();
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "medium" });
  const number = new Intl.NumberFormat(locale);

  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) return <p className="muted">{t("events.chart.collecting")}</p>;

  const series = seriesOf(samples);
  const frame = frameOf(samples);
  const latest = Object.entries(last.totals)
    .map(([consumer, lag]) => `${consumer} ${number.format(lag)}`)
    .join(", ");

  return (
    <figure className="lag-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId} ${descId}`} className="lag-chart-svg">
        <title id={titleId}>{t("events.chart.title")}</title>
        <desc id={descId}>
          {t("events.chart.description", {
            count: samples.length,
            from: time.format(first.at),
            to: time.format(last.at),
            latest: latest || t("common.never"),
          })}
        </desc>
        <g aria-hidden="true">
          <line className="lag-axis" x1={PAD.left} y1={frame.y(0)} x2={WIDTH - PAD.right} y2={frame.y(0)} />
          <line className="lag-axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={frame.y(0)} />
          <text className="lag-label" x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">
            {number.format(frame.maxLag)}
          </text>
          <text className="lag-label" x={PAD.left - 6} y={frame.y(0)} textAnchor="end">
            0
          </text>
          <text className="lag-label" x={PAD.left} y={HEIGHT - 6}>
            {time.format(first.at)}
          </text>
          <text className="lag-label" x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end">
            {time.format(last.at)}
          </text>
          {series.map((line, index) => (
            <SeriesLine key={line.consumer} line={line} frame={frame} className={seriesClass(index)} />
          ))}
        </g>
      </svg>
      <figcaption>
        <Legend series={series} />
      </figcaption>
      <LagDataTable samples={samples} />
    </figure>
  );
}

function SeriesLine({ line, frame, className }: { line: LagSeries; frame: Frame; className: string }) {
  const [only] = line.points;
  if (line.points.length === 1 && only) {
    return <circle className={className} cx={frame.x(only.at)} cy={frame.y(only.lag)} r={3} />;
  }
  const points = line.points.map((p) => `${frame.x(p.at).toFixed(1)},${frame.y(p.lag).toFixed(1)}`).join(" ");
  return <polyline className={className} points={points} fill="none" strokeWidth={2} />;
}

function Legend({ series }: { series: LagSeries[] }) {
  const { t } = useTranslation("admin");
  return (
    <ul className="lag-legend" aria-label={t("events.chart.legend")}>
      {series.map((line, index) => (
        <li key={line.consumer}>
          <svg width="16" height="8" aria-hidden="true" focusable="false">
            <line className={seriesClass(index)} x1="0" y1="4" x2="16" y2="4" strokeWidth={3} />
          </svg>
          {line.consumer}
        </li>
      ))}
    </ul>
  );
}

function LagDataTable({ samples }: { samples: readonly LagSample[] }) {
  const { t } = useTranslation("admin");
  const locale = useLocale();
  const time = new Intl.DateTimeFormat(locale, { timeStyle: "medium" });
  const consumers = consumersOf(samples);
  return (
    <details className="lag-data">
      <summary>{t("events.chart.data")}</summary>
      <TableScroll label={t("events.chart.data")}>
        <table className="table">
          <caption className="visually-hidden">{t("events.chart.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("events.chart.time")}</th>
              {consumers.map((consumer) => (
                <th scope="col" className="num" key={consumer}>
                  {consumer}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...samples].reverse().map((sample) => (
              <tr key={sample.at}>
                <th scope="row">
                  <time dateTime={new Date(sample.at).toISOString()}>{time.format(sample.at)}</time>
                </th>
                {consumers.map((consumer) => (
                  <td className="num" key={consumer}>
                    {sample.totals[consumer] ?? t("common.never")}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}
