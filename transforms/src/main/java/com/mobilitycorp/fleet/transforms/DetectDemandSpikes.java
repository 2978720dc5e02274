package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.DemandWindow;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SortedMapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerMap;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * DEMAND_SPIKE alerts: per location, booking_created events counted in tumbling event-time
 * windows and compared with the location's recent average, for surge pricing.
 *
 * <p><b>Rule</b> (see {@link DetectDemandSpikesModel}), with the defaults:
 *
 * <ol>
 *   <li><b>Windows.</b> A booking_created counts in the 15-minute window (aligned to the epoch)
 *       of its event time, at its pick-up location.
 *   <li><b>Baseline.</b> The mean count of the 4 windows before the window, where a window with no
 *       bookings counts 0. This is the seed's {@code avg_last_hour} read as its name says: "4
 *       PRECEDING AND CURRENT ROW" would put the window itself in its own baseline and damp every
 *       spike. A location's history starts after the window of its first booking seen: that
 *       window is incomplete (the job or the location started during it), so it is published but
 *       is nobody's baseline. In its first hour a location's baseline averages the complete
 *       windows it has; with none (its first two windows) there is no baseline.
 *   <li><b>Spike.</b> count &gt; 1.5 x baseline (strictly: exactly 1.5 x is not) and count &gt;= 5
 *       (so 0 -&gt; 1 is not a spike). A location quiet for an hour has baseline 0, so a burst of 5
 *       is a spike. No baseline, no spike.
 *   <li><b>Decision.</b> A window is decided when the watermark passes its end, and published on
 *       {@link #WINDOWS} ({@code demand.windows}) when it has bookings or a non-zero baseline
 *       (windows of a quiet location with a quiet last hour are not published). A spike raises one
 *       alert, id {@code demand_spike:<location>:<window start>} ({@link #alertId}); WARNING,
 *       CRITICAL above 3 x the baseline.
 *   <li><b>Lateness.</b> A window accepts bookings until the watermark passes its end plus the
 *       allowed lateness (5 minutes). A late booking that changes a decided window republishes it
 *       (and the decided windows whose baseline it changes) with revision + 1; a window that becomes
 *       a spike late alerts then. A window alerts at most once: a correction never repeats the alert
 *       and never takes it back (the corrected series is on {@code demand.windows}). A booking for
 *       a closed window goes to {@link #BEYOND_LATENESS}, counted ({@code
 *       demand_bookings_beyond_lateness}).
 * </ol>
 *
 * <p><b>Why state and timers, not Beam windows.</b> The rule needs the windows with no bookings
 * (they count 0 in the baseline) and must route bookings beyond the lateness instead of dropping
 * them. A GroupByKey over fixed windows produces neither: empty windows have no pane, and it drops
 * late data silently. So each location keeps its recent window counts in state (global window),
 * and every booking sets the event-time timers it makes necessary: decide at the end of its window
 * and of the windows whose baseline it enters, close at their end + lateness. A booking is beyond
 * the lateness when its window has closed, which is when Beam would garbage-collect the window.
 * Two imprecisions, both on the side of counting: a location the job does not know yet (first
 * booking ever, or the first after it expired) has nothing closed, so the bookings that open it
 * count even if late; and an empty window an hour away from any booking never gets a close timer,
 * so a late booking for it counts (and is published as a late window).
 *
 * <p><b>Bounded state.</b> Per location: the counts of the open windows and of the history their
 * baselines need, the last publication of windows that may still change, four instants, and the
 * timers of at most the next history + 1 windows plus the expiry. A location without bookings for the expiry (default 1 day of event time) is forgotten
 * entirely ({@code demand_locations_tracked} goes down); its next booking starts a new history.
 */
public final class DetectDemandSpikes
    extends PTransform<PCollection<BookingEvent>, PCollectionTuple> {

  /** Output: the decided windows and their corrections (revision + 1), key = location. */
  public static final TupleTag<DemandWindow> WINDOWS = new TupleTag<DemandWindow>() {};

  /** Output: DEMAND_SPIKE alerts, at most one per (location, window). */
  public static final TupleTag<Alert> ALERTS = new TupleTag<Alert>() {};

  /** Output: booking_created events that arrived after their window closed. */
  public static final TupleTag<BookingEvent> BEYOND_LATENESS = new TupleTag<BookingEvent>() {};

  public static final Duration DEFAULT_WINDOW_SIZE = Duration.standardMinutes(15);
  public static final int DEFAULT_HISTORY_WINDOWS = 4;
  public static final double DEFAULT_FACTOR = 1.5;
  public static final long DEFAULT_MIN_BOOKINGS = 5;
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  public static final Duration DEFAULT_LOCATION_EXPIRY = Duration.standardDays(1);

  /** CRITICAL above this multiple of the baseline (or any spike against a baseline of 0). */
  static final double CRITICAL_FACTOR = 3.0;

  static final String NAME = "demand_spike";

  private final Params params;

  private DetectDemandSpikes(Params params) {
    this.params = params;
  }

  /** With the defaults: 15-minute windows, 4 windows of history, 1.5 x, at least 5, 5 min late. */
  public static DetectDemandSpikes create() {
    return new DetectDemandSpikes(
        new Params(
            DEFAULT_WINDOW_SIZE.getMillis(), DEFAULT_HISTORY_WINDOWS, DEFAULT_FACTOR,
            DEFAULT_MIN_BOOKINGS, DEFAULT_ALLOWED_LATENESS.getMillis(),
            DEFAULT_LOCATION_EXPIRY.getMillis()));
  }

  public DetectDemandSpikes withWindowSize(Duration size) {
    if (!size.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("window size must be positive, was " + size);
    }
    return new DetectDemandSpikes(params.with(size.getMillis(), params.historyWindows,
        params.factor, params.minBookings, params.latenessMillis, params.expiryMillis));
  }

  /** The baseline averages this many windows before the window. */
  public DetectDemandSpikes withHistoryWindows(int windows) {
    if (windows < 1) {
      throw new IllegalArgumentException("history must be at least 1 window, was " + windows);
    }
    return new DetectDemandSpikes(params.with(params.sizeMillis, windows, params.factor,
        params.minBookings, params.latenessMillis, params.expiryMillis));
  }

  /** A spike is a count strictly above this multiple of the baseline. */
  public DetectDemandSpikes withFactor(double factor) {
    if (!(factor > 1.0)) {
      throw new IllegalArgumentException("factor must be above 1, was " + factor);
    }
    return new DetectDemandSpikes(params.with(params.sizeMillis, params.historyWindows, factor,
        params.minBookings, params.latenessMillis, params.expiryMillis));
  }

  /** A spike needs at least this many bookings in the window. */
  public DetectDemandSpikes withMinBookings(long minBookings) {
    if (minBookings < 1) {
      throw new IllegalArgumentException("minimum bookings must be at least 1, was " + minBookings);
    }
    return new DetectDemandSpikes(params.with(params.sizeMillis, params.historyWindows,
        params.factor, minBookings, params.latenessMillis, params.expiryMillis));
  }

  /** How long after its end a window still accepts bookings. */
  public DetectDemandSpikes withAllowedLateness(Duration lateness) {
    if (lateness.isShorterThan(Duration.ZERO)) {
      throw new IllegalArgumentException("allowed lateness must not be negative, was " + lateness);
    }
    return new DetectDemandSpikes(params.with(params.sizeMillis, params.historyWindows,
        params.factor, params.minBookings, lateness.getMillis(), params.expiryMillis));
  }

  /** A location without bookings for this long (event time) is forgotten. */
  public DetectDemandSpikes withLocationExpiry(Duration expiry) {
    return new DetectDemandSpikes(params.with(params.sizeMillis, params.historyWindows,
        params.factor, params.minBookings, params.latenessMillis, expiry.getMillis()));
  }

  /** The plain-Java model with this transform's settings. */
  public DetectDemandSpikesModel model() {
    return new DetectDemandSpikesModel(
        Duration.millis(params.sizeMillis), params.historyWindows, params.factor,
        params.minBookings, Duration.millis(params.latenessMillis));
  }

  /** The alert id of a spike of {@code locationId} in the window starting at {@code start}. */
  public static String alertId(String locationId, Instant windowStart) {
    return NAME + ":" + locationId + ":" + windowStart;
  }

  @Override
  public PCollectionTuple expand(PCollection<BookingEvent> bookings) {
    Coder<DemandWindow> windowCoder = schemaCoder(bookings, DemandWindow.class);
    Coder<Alert> alertCoder = schemaCoder(bookings, Alert.class);
    PCollectionTuple out =
        bookings
            .apply("BookingsCreated", Filter.by(
                (BookingEvent e) -> e.getEventType() == BookingEventType.BOOKING_CREATED))
            .apply("KeyByLocation", WithKeys.<String, BookingEvent>of(BookingEvent::getLocationId)
                .withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), bookings.getCoder()))
            .apply("CountAndJudgeWindows", ParDo.of(new CountAndJudgeFn(params, windowCoder))
                .withOutputTags(WINDOWS, TupleTagList.of(ALERTS).and(BEYOND_LATENESS)));
    out.get(WINDOWS).setCoder(windowCoder);
    out.get(ALERTS).setCoder(alertCoder);
    out.get(BEYOND_LATENESS).setCoder(bookings.getCoder());
    return out;
  }

  private static <T> Coder<T> schemaCoder(PCollection<?> input, Class<T> type) {
    try {
      return input.getPipeline().getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(type.getSimpleName() + " must have a Beam schema", e);
    }
  }

  /** The rule's settings, in milliseconds. */
  static final class Params implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    final long sizeMillis;
    final int historyWindows;
    final double factor;
    final long minBookings;
    final long latenessMillis;
    final long expiryMillis;

    Params(long sizeMillis, int historyWindows, double factor, long minBookings,
        long latenessMillis, long expiryMillis) {
      this.sizeMillis = sizeMillis;
      this.historyWindows = historyWindows;
      this.factor = factor;
      this.minBookings = minBookings;
      this.latenessMillis = latenessMillis;
      this.expiryMillis = expiryMillis;
      // The location's state must outlive every window whose baseline includes its last booking.
      long needed = historyWindows * sizeMillis + latenessMillis;
      if (expiryMillis <= needed) {
        throw new IllegalArgumentException("location expiry " + Duration.millis(expiryMillis)
            + " must exceed the history plus the lateness (" + Duration.millis(needed) + ")");
      }
    }

    Params with(long size, int history, double factor, long min, long lateness, long expiry) {
      return new Params(size, history, factor, min, lateness, expiry);
    }

    long windowStart(Instant t) {
      return t.getMillis() - Math.floorMod(t.getMillis(), sizeMillis);
    }
  }

  /**
   * Per location, in the global window: counts per window, decisions at window end, corrections
   * while the window is open, closing at window end + lateness.
   *
   * <p>Every timer a booking makes necessary is set when the booking arrives: decide and close
   * timers for its window and the windows whose baseline it enters, and the expiry. No timer sets
   * another, so all timers due at a watermark step fire together, however elements and timers
   * interleave on the runner.
   */
  static final class CountAndJudgeFn extends DoFn<KV<String, BookingEvent>, DemandWindow> {
    private static final long serialVersionUID = 1L;

    private final Counter counted = Metrics.counter(DetectDemandSpikes.class, "demand_bookings_counted");
    private final Counter beyondLateness =
        Metrics.counter(DetectDemandSpikes.class, "demand_bookings_beyond_lateness");
    private final Counter windowsPublished =
        Metrics.counter(DetectDemandSpikes.class, "demand_windows_published");
    private final Counter corrections =
        Metrics.counter(DetectDemandSpikes.class, "demand_window_corrections");
    private final Counter spikes = Metrics.counter(DetectDemandSpikes.class, "demand_spike_alerts_raised");
    private final Counter locationsTracked =
        Metrics.counter(DetectDemandSpikes.class, "demand_locations_tracked");

    private final Params params;

    /** Window start -> booking_created count, for open windows and the history they need. */
    @StateId("counts")
    private final StateSpec<ValueState<SortedMap<Long, Long>>> countsSpec =
        StateSpecs.value(SortedMapCoder.of(VarLongCoder.of(), VarLongCoder.of()));

    /** Window start -> its last publication, for decided windows that may still change. */
    @StateId("published")
    private final StateSpec<ValueState<SortedMap<Long, DemandWindow>>> publishedSpec;

    /** Window start -> true, for those windows that have alerted (never alert twice). */
    @StateId("alerted")
    private final StateSpec<ValueState<SortedMap<Long, Boolean>>> alertedSpec =
        StateSpecs.value(SortedMapCoder.of(VarLongCoder.of(), BooleanCoder.of()));

    /** Start of the location's first window (its history begins there); absent = not tracked. */
    @StateId("first")
    private final StateSpec<ValueState<Long>> firstSpec = StateSpecs.value(VarLongCoder.of());

    /** Start of the last window decided (published or found empty). */
    @StateId("decided")
    private final StateSpec<ValueState<Long>> decidedSpec = StateSpecs.value(VarLongCoder.of());

    /** Start of the last window closed: it and every earlier window accept no more bookings. */
    @StateId("closed")
    private final StateSpec<ValueState<Long>> closedSpec = StateSpecs.value(VarLongCoder.of());

    /** Start of the newest window with a booking (for the expiry). */
    @StateId("lastBooking")
    private final StateSpec<ValueState<Long>> lastBookingSpec = StateSpecs.value(VarLongCoder.of());

    /** Per window (id = its start): fires when the watermark reaches the window's end. */
    @TimerFamily("decide")
    private final TimerSpec decideSpec = TimerSpecs.timerMap(TimeDomain.EVENT_TIME);

    /** Per window (id = its start): fires when the watermark reaches its end + the lateness. */
    @TimerFamily("close")
    private final TimerSpec closeSpec = TimerSpecs.timerMap(TimeDomain.EVENT_TIME);

    /** Fires when the location has been quiet for the expiry. */
    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    CountAndJudgeFn(Params params, Coder<DemandWindow> windowCoder) {
      this.params = params;
      this.publishedSpec = StateSpecs.value(SortedMapCoder.of(VarLongCoder.of(), windowCoder));
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, BookingEvent> element,
        @StateId("counts") ValueState<SortedMap<Long, Long>> countsState,
        @StateId("published") ValueState<SortedMap<Long, DemandWindow>> publishedState,
        @StateId("alerted") ValueState<SortedMap<Long, Boolean>> alertedState,
        @StateId("first") ValueState<Long> first,
        @StateId("decided") ValueState<Long> decided,
        @StateId("closed") ValueState<Long> closed,
        @StateId("lastBooking") ValueState<Long> lastBooking,
        @TimerFamily("decide") TimerMap decideTimers,
        @TimerFamily("close") TimerMap closeTimers,
        @TimerId("expire") Timer expire,
        MultiOutputReceiver out) {
      BookingEvent booking = element.getValue();
      long size = params.sizeMillis;
      long window = params.windowStart(booking.getEventTime());
      Marks marks = Marks.read(first, decided, closed, lastBooking);
      if (marks == null) {
        locationsTracked.inc();
        marks = new Marks(window, Long.MIN_VALUE, Long.MIN_VALUE, window);
      } else if (window <= marks.closed) {
        beyondLateness.inc(); // its window's result is final
        out.get(BEYOND_LATENESS).output(booking);
        return;
      }
      counted.inc();
      SortedMap<Long, Long> counts = orEmpty(countsState.read());
      counts.merge(window, 1L, Long::sum);
      countsState.write(counts);
      marks.first = Math.min(marks.first, window);
      marks.lastBooking = Math.max(marks.lastBooking, window);
      if (window <= marks.decided) {
        // A late booking for a decided window: republish what it changes, at once.
        Windows w = new Windows(counts, orEmpty(publishedState.read()), orEmpty(alertedState.read()));
        // Later decided windows too: their baselines, or (if the history now starts earlier)
        // their history length, may change. Closed windows are final and never revisited.
        for (long v = window; v <= marks.decided; v += size) {
          decide(element.getKey(), v, marks.first, w, out);
        }
        publishedState.write(w.published);
        alertedState.write(w.alerted);
      }
      marks.write(first, decided, closed, lastBooking);
      // This window and the ones whose baseline it enters must be decided and closed.
      for (long v = window; v <= window + params.historyWindows * size; v += size) {
        // Beam fires an event-time timer once the watermark is past its time, so a timer at the
        // window's last millisecond fires when the watermark reaches the window's end.
        if (v > marks.decided) {
          decideTimers.set(Long.toString(v), new Instant(v + size - 1));
        }
        if (v > marks.closed) {
          closeTimers.set(Long.toString(v), new Instant(v + size - 1 + params.latenessMillis));
        }
      }
      expire.set(new Instant(marks.lastBooking + size - 1 + params.expiryMillis));
    }

    @OnTimerFamily("decide")
    public void onDecide(
        @TimerId String windowStart,
        @Key String location,
        @StateId("counts") ValueState<SortedMap<Long, Long>> countsState,
        @StateId("published") ValueState<SortedMap<Long, DemandWindow>> publishedState,
        @StateId("alerted") ValueState<SortedMap<Long, Boolean>> alertedState,
        @StateId("first") ValueState<Long> first,
        @StateId("decided") ValueState<Long> decided,
        @StateId("closed") ValueState<Long> closed,
        @StateId("lastBooking") ValueState<Long> lastBooking,
        MultiOutputReceiver out) {
      Marks marks = Marks.read(first, decided, closed, lastBooking);
      if (marks == null) {
        return; // expired
      }
      Windows w = new Windows(
          orEmpty(countsState.read()), orEmpty(publishedState.read()), orEmpty(alertedState.read()));
      decideThrough(location, Long.parseLong(windowStart), marks, w, out);
      publishedState.write(w.published);
      alertedState.write(w.alerted);
      marks.write(first, decided, closed, lastBooking);
    }

    @OnTimerFamily("close")
    public void onClose(
        @TimerId String windowStart,
        @Key String location,
        @StateId("counts") ValueState<SortedMap<Long, Long>> countsState,
        @StateId("published") ValueState<SortedMap<Long, DemandWindow>> publishedState,
        @StateId("alerted") ValueState<SortedMap<Long, Boolean>> alertedState,
        @StateId("first") ValueState<Long> first,
        @StateId("decided") ValueState<Long> decided,
        @StateId("closed") ValueState<Long> closed,
        @StateId("lastBooking") ValueState<Long> lastBooking,
        MultiOutputReceiver out) {
      Marks marks = Marks.read(first, decided, closed, lastBooking);
      if (marks == null) {
        return; // expired
      }
      long window = Long.parseLong(windowStart);
      Windows w = new Windows(
          orEmpty(countsState.read()), orEmpty(publishedState.read()), orEmpty(alertedState.read()));
      decideThrough(location, window, marks, w, out); // a window is decided before it closes
      marks.closed = Math.max(marks.closed, window);
      // Closed windows are final; the open ones' baselines reach back `historyWindows`.
      w.published.headMap(marks.closed + 1).clear();
      w.alerted.headMap(marks.closed + 1).clear();
      w.counts.headMap(marks.closed + params.sizeMillis * (1 - params.historyWindows)).clear();
      countsState.write(w.counts);
      publishedState.write(w.published);
      alertedState.write(w.alerted);
      marks.write(first, decided, closed, lastBooking);
    }

    @OnTimer("expire")
    public void onExpire(
        @StateId("counts") ValueState<SortedMap<Long, Long>> countsState,
        @StateId("published") ValueState<SortedMap<Long, DemandWindow>> publishedState,
        @StateId("alerted") ValueState<SortedMap<Long, Boolean>> alertedState,
        @StateId("first") ValueState<Long> first,
        @StateId("decided") ValueState<Long> decided,
        @StateId("closed") ValueState<Long> closed,
        @StateId("lastBooking") ValueState<Long> lastBooking) {
      // Every decide and close timer of the location came due before this one (expiry > history
      // + lateness), so nothing is pending: forget the location.
      countsState.clear();
      publishedState.clear();
      alertedState.clear();
      first.clear();
      decided.clear();
      closed.clear();
      lastBooking.clear();
      locationsTracked.dec();
    }

    /** Decides every window after the last decided one, up to and including {@code through}. */
    private void decideThrough(
        String location, long through, Marks marks, Windows w, MultiOutputReceiver out) {
      long v = marks.decided == Long.MIN_VALUE ? marks.first : marks.decided + params.sizeMillis;
      for (; v <= through; v += params.sizeMillis) {
        decide(location, v, marks.first, w, out);
        marks.decided = v;
      }
    }

    /** Computes window v's decision and publishes it when it is new or changed. */
    private void decide(String location, long v, long first, Windows w, MultiOutputReceiver out) {
      long size = params.sizeMillis;
      long count = w.counts.getOrDefault(v, 0L);
      // The window the history starts in is incomplete (the job, or the location, started during
      // it): it is published, but it is no baseline for the windows after it.
      long historyStart = Math.max(first + size, v - params.historyWindows * size);
      int history = (int) Math.max(0, (v - historyStart) / size);
      long sum = 0;
      for (long u = historyStart; u < v; u += size) {
        sum += w.counts.getOrDefault(u, 0L);
      }
      Double baseline = history == 0 ? null : (double) sum / history;
      // Compared as integers: count / (sum / history) > factor, without rounding at the edge.
      boolean spike =
          history > 0 && count >= params.minBookings && count * history > params.factor * sum;
      DemandWindow previous = w.published.get(v);
      if (previous == null && count == 0 && sum == 0) {
        return; // nothing happened here, nor in the hour before
      }
      DemandWindow decision = DemandWindow.builder()
          .setLocationId(location)
          .setWindowStart(new Instant(v))
          .setWindowEnd(new Instant(v + size))
          .setBookingCount(count)
          .setBaseline(baseline)
          .setRatio(baseline == null || sum == 0 ? null : count / baseline)
          .setHistoryWindows(history)
          .setSpike(spike)
          .setRevision(previous == null ? 0 : previous.getRevision() + 1)
          .build();
      if (previous != null && sameDecision(previous, decision)) {
        return;
      }
      if (previous != null) {
        corrections.inc();
      }
      windowsPublished.inc();
      w.published.put(v, decision);
      out.get(WINDOWS).output(decision);
      if (spike && !w.alerted.containsKey(v)) {
        w.alerted.put(v, true);
        spikes.inc();
        out.get(ALERTS).output(alert(decision, params));
      }
    }

    private static boolean sameDecision(DemandWindow a, DemandWindow b) {
      return a.getBookingCount() == b.getBookingCount()
          && Objects.equals(a.getBaseline(), b.getBaseline())
          && a.getHistoryWindows() == b.getHistoryWindows()
          && a.getSpike() == b.getSpike();
    }

    private static <K, V> SortedMap<K, V> orEmpty(@Nullable SortedMap<K, V> map) {
      return map == null ? new TreeMap<>() : new TreeMap<>(map);
    }
  }

  static Alert alert(DemandWindow w, Params params) {
    Map<String, String> details = new TreeMap<>();
    details.put("location_id", w.getLocationId());
    details.put("window_start", w.getWindowStart().toString());
    details.put("window_end", w.getWindowEnd().toString());
    details.put("booking_count", String.valueOf(w.getBookingCount()));
    details.put("baseline", String.format(Locale.ROOT, "%.2f", w.getBaseline()));
    details.put("ratio", w.getRatio() == null
        ? "Infinity" : String.format(Locale.ROOT, "%.2f", w.getRatio()));
    details.put("history_windows", String.valueOf(w.getHistoryWindows()));
    details.put("factor", String.valueOf(params.factor));
    details.put("min_bookings", String.valueOf(params.minBookings));
    boolean critical = w.getBookingCount() > CRITICAL_FACTOR * w.getBaseline();
    return Alert.builder()
        .setAlertId(alertId(w.getLocationId(), w.getWindowStart()))
        .setType(AlertType.DEMAND_SPIKE)
        .setSeverity(critical ? AlertSeverity.CRITICAL : AlertSeverity.WARNING)
        .setVehicleId(null)
        .setLocationId(w.getLocationId())
        .setEventTime(w.getWindowEnd())
        .setDetectedAt(Instant.now())
        .setDetails(details)
        .build();
  }

  /** The per-location maps one decision reads and updates. */
  private static final class Windows {
    final SortedMap<Long, Long> counts;
    final SortedMap<Long, DemandWindow> published;
    final SortedMap<Long, Boolean> alerted;

    Windows(SortedMap<Long, Long> counts, SortedMap<Long, DemandWindow> published,
        SortedMap<Long, Boolean> alerted) {
      this.counts = counts;
      this.published = published;
      this.alerted = alerted;
    }
  }

  /** A location's four positions in time (window starts); {@code Long.MIN_VALUE} = none yet. */
  private static final class Marks {
    long first;
    long decided;
    long closed;
    long lastBooking;

    Marks(long first, long decided, long closed, long lastBooking) {
      this.first = first;
      this.decided = decided;
      this.closed = closed;
      this.lastBooking = lastBooking;
    }

    static @Nullable Marks read(ValueState<Long> first, ValueState<Long> decided,
        ValueState<Long> closed, ValueState<Long> lastBooking) {
      Long f = first.read();
      return f == null ? null : new Marks(f, orNone(decided.read()), orNone(closed.read()),
          lastBooking.read());
    }

    private static long orNone(@Nullable Long value) {
      return value == null ? Long.MIN_VALUE : value;
    }

    void write(ValueState<Long> firstState, ValueState<Long> decidedState,
        ValueState<Long> closedState, ValueState<Long> lastBookingState) {
      firstState.write(first);
      if (decided != Long.MIN_VALUE) {
        decidedState.write(decided);
      }
      if (closed != Long.MIN_VALUE) {
        closedState.write(closed);
      }
      lastBookingState.write(lastBooking);
    }
  }
}
