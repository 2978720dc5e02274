package com.mobilitycorp.fleet.testing.simulator;

import java.util.List;

/**
 * The cities the simulated fleet operates in, with their real centres and real neighbourhoods
 * (approximate coordinates, all within about 5 km of the centre) used as the first zones of each
 * city. All three are in the Europe/Berlin time zone, which the demand curve uses.
 */
enum City {
  BERLIN(
      "Berlin",
      "ber",
      52.5200,
      13.4050,
      List.of(
          new Hub("Alexanderplatz", 52.5219, 13.4132),
          new Hub("Hauptbahnhof", 52.5251, 13.3694),
          new Hub("Potsdamer Platz", 52.5096, 13.3760),
          new Hub("Kottbusser Tor", 52.4991, 13.4180),
          new Hub("Kollwitzplatz", 52.5366, 13.4173),
          new Hub("Boxhagener Platz", 52.5105, 13.4590),
          new Hub("Hermannplatz", 52.4869, 13.4246),
          new Hub("Nollendorfplatz", 52.4998, 13.3536),
          new Hub("Turmstrasse", 52.5259, 13.3419),
          new Hub("Gesundbrunnen", 52.5486, 13.3884),
          new Hub("Warschauer Strasse", 52.5058, 13.4493),
          new Hub("Rosenthaler Platz", 52.5297, 13.4014))),
  MUNICH(
      "Munich",
      "muc",
      48.1372,
      11.5756,
      List.of(
          new Hub("Marienplatz", 48.1374, 11.5755),
          new Hub("Hauptbahnhof", 48.1402, 11.5600),
          new Hub("Odeonsplatz", 48.1426, 11.5773),
          new Hub("Sendlinger Tor", 48.1339, 11.5670),
          new Hub("Muenchner Freiheit", 48.1617, 11.5864),
          new Hub("Universitaet", 48.1502, 11.5806),
          new Hub("Ostbahnhof", 48.1271, 11.6047),
          new Hub("Gaertnerplatz", 48.1316, 11.5765),
          new Hub("Rotkreuzplatz", 48.1532, 11.5337),
          new Hub("Max-Weber-Platz", 48.1360, 11.5990),
          new Hub("Theresienwiese", 48.1316, 11.5495),
          new Hub("Giesing", 48.1105, 11.5967))),
  HAMBURG(
      "Hamburg",
      "ham",
      53.5511,
      9.9937,
      List.of(
          new Hub("Rathausmarkt", 53.5503, 9.9925),
          new Hub("Hauptbahnhof", 53.5530, 10.0069),
          new Hub("Reeperbahn", 53.5497, 9.9620),
          new Hub("Sternschanze", 53.5630, 9.9660),
          new Hub("Ueberseequartier", 53.5410, 9.9990),
          new Hub("Altona", 53.5520, 9.9350),
          new Hub("Osterstrasse", 53.5740, 9.9560),
          new Hub("St. Georg", 53.5540, 10.0130),
          new Hub("Eppendorf", 53.5890, 9.9850),
          new Hub("Muehlenkamp", 53.5810, 10.0090),
          new Hub("Ottensen", 53.5540, 9.9270),
          new Hub("Uhlenhorst", 53.5720, 10.0190)));

  /** A named neighbourhood / transit hub whose surroundings form a zone. */
  record Hub(String name, double lat, double lon) {}

  final String displayName;
  final String code;
  final double centreLat;
  final double centreLon;
  final List<Hub> hubs;

  City(String displayName, String code, double centreLat, double centreLon, List<Hub> hubs) {
    this.displayName = displayName;
    this.code = code;
    this.centreLat = centreLat;
    this.centreLon = centreLon;
    this.hubs = hubs;
  }
}
