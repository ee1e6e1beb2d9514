#!/usr/bin/env bash
# import_cli.sh: dauys import-csv on the shapes of real tables (FORMATS.md,
# section 18): ids that collide or would be cut, rows short of fields,
# several precincts abroad, column names with spaces and in Cyrillic, ids
# composed from several columns, ballots received, issued and cancelled
# mapped so that R1, R2 and W1 apply, and every error at its CSV lines.
#
#   usage: bash tests/cli/import_cli.sh /path/to/dauys /path/to/dauys-audit
#
# A few seconds.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
cli_args "$@"
cli_workdir import

run() {
    CMD=$(printf '%q ' "$@")
    OUT=$(setsid -w "$@" </dev/null 2>&1)
    RC=$?
}

# it_csv NAME ROW...: a table with the columns of the it-eligendo preset;
# each ROW is "cod,cod_reg,cod_prov,desc_reg,desc_prov" and gets fixed counts.
it_csv() {
    local name=$1 r
    shift
    echo "cod,cod_reg,cod_prov,desc_reg,desc_prov,desc_com,elettori_t,votanti_t,voti_si,voti_no,sk_bianche,sk_nulle,sk_contestate" >"$name"
    for r in "$@"; do echo "$r,COMUNE,100,60,30,28,1,1,0" >>"$name"; done
}
not_matches() { ! matches "$@"; }
# the ids of KIND (region, district or precinct) in manifest DIR/manifest.txt
ids() { awk -v k="$2:" '$1 == k { print $2 }' "$1/manifest.txt" | tr '\n' ' '; }

section "item 14: ids are never cut and never collide silently"
it_csv hyphen.csv "1,R01,X-1,A,B" "2,R01-X,1,A2,B2"
expect_exit "R01 + X-1 and R01-X + 1: one district id from two districts is refused at both lines" 2 \
    'hyphen.csv:3: district "R01-X-1" is in region "R01-X" here and in region "R01" at hyphen.csv:2: two districts would become one' \
    "$DAUYS" import-csv --preset it-eligendo hyphen.csv -o o1
check "  ... and nothing is written" absent o1
LONG=DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD # 40 bytes
it_csv long.csv "1,01,${LONG}1,A,B" "2,01,${LONG}2,A,C"
expect_ok "two district ids that differ after byte 31 stay two districts" "2 rows (1 regions, 2 districts)" \
    "$DAUYS" import-csv --preset it-eligendo long.csv -o o2
expect_eq "  ... with their whole ids" "01-${LONG}1 01-${LONG}2 " "$(ids o2 district)"
it_csv toolong.csv "1,01,${LONG}${LONG},A,B"
expect_exit "a district id longer than 64 bytes is refused, not cut" 2 \
    "toolong.csv:2: district \"01-${LONG}${LONG:0:37}...\" (from {cod_reg}-{cod_prov}): longer than 64 bytes" \
    "$DAUYS" import-csv --preset it-eligendo toolong.csv -o o3
it_csv dup.csv "1,01,001,A,B" "2,01,001,A,B" "1,01,001,A,B"
expect_exit "a precinct id twice is refused at both CSV lines, not at a manifest line" 2 \
    'dup.csv:4: precinct "1" is also the precinct at dup.csv:2: two precincts would become one' \
    "$DAUYS" import-csv --preset it-eligendo dup.csv -o o4
check "  ... no manifest line is named" not_matches "$OUT" "manifest.txt"
it_csv names.csv "1,01,001,PIEMONTE,B" "2,01,002,LOMBARDIA,C"
expect_exit "one region id with two names is refused at both lines" 2 \
    'names.csv:3: region "01" is named "LOMBARDIA" here and "PIEMONTE" at names.csv:2: two regions would become one' \
    "$DAUYS" import-csv --preset it-eligendo names.csv -o o5
it_csv dnames.csv "1,01,001,A,TORINO" "2,01,001,A,CUNEO"
expect_exit "one district id with two names is refused at both lines" 2 \
    'dnames.csv:3: district "01-001" is named "CUNEO" here and "TORINO" at dnames.csv:2' \
    "$DAUYS" import-csv --preset it-eligendo dnames.csv -o o6
it_csv estero.csv "1,ESTERO,001,A,B" "2,,,,"
expect_exit "a region whose id is the abroad-id is refused at both lines" 2 \
    'estero.csv:2: region "ESTERO" (from "ESTERO") is also the abroad-id of the vote abroad at estero.csv:3' \
    "$DAUYS" import-csv --preset it-eligendo estero.csv -o o7
it_csv short.csv "1,01,001,A,B"
echo "2,01,001,A,B,COMUNE,100,60,30,28,1,1" >>short.csv
expect_exit "a row with fewer fields than the header is refused" 2 \
    "short.csv:3: 12 fields, but the header has 13" "$DAUYS" import-csv --preset it-eligendo short.csv -o o8
echo "3,01,001,A,B,COMUNE,100,60,30,28,1,1,0,extra" >>short.csv
sed -i 3d short.csv
expect_exit "  ... and one with more" 2 "short.csv:3: 14 fields, but the header has 13" \
    "$DAUYS" import-csv --preset it-eligendo short.csv -o o9
it_csv cyr.csv "Москва-1,01,001,A,B"
expect_exit "a non-ASCII id is refused, saying what an id may hold" 2 \
    "cyr.csv:2: precinct \"Москва-1\" (from {cod}): holds a character that is not ASCII; an id is 1 to 64 bytes of ASCII letters, digits, '.', '_' and '-'" \
    "$DAUYS" import-csv --preset it-eligendo cyr.csv -o o10
it_csv abroad2.csv "1,01,001,A,B" "2,,,," "3,,,,"
expect_exit "two rows abroad under the preset's one abroad id are refused at both lines" 2 \
    'abroad2.csv:4: precinct "ESTERO" is also the precinct at abroad2.csv:3' \
    "$DAUYS" import-csv --preset it-eligendo abroad2.csv -o o11

# A table shaped like Russia's 2020 vote: Cyrillic column names with spaces,
# regions by code, precinct (UIK) and territorial commission (TIK) numbers
# that repeat across regions, ballots received, issued (three columns),
# cancelled and in the boxes (two columns), and two precincts abroad.
cat >ru.csv <<'CSV'
Код региона,Регион,Номер ТИК,ТИК,Номер УИК,Число избирателей,Получено,Выдано досрочно,Выдано в помещении,Выдано вне помещения,Погашено,В переносных ящиках,В стационарных ящиках,Недействительных,Да,Нет
77,г. Москва,1,"ТИК №1, Арбат",1,1500,1500,10,900,20,570,20,905,5,600,320
77,г. Москва,1,"ТИК №1, Арбат",2,2000,2000,0,1000,0,1000,0,950,10,600,340
50,Московская область,1,ТИК Балашиха,1,1200,1200,0,700,0,500,0,705,5,400,300
,Голосование за рубежом,,,8001,900,900,0,600,0,300,0,600,0,500,100
,Голосование за рубежом,,,8002,400,400,0,300,0,100,0,300,0,200,100
CSV
cat >ru.map <<'MAP'
format: dauys-csv-map 2
precinct: {Код региона}-{Номер УИК}
precinct-name: УИК №{Номер УИК}
region: {Код региона}
region-name: {Регион}
district: {Код региона}-{Номер ТИК}
district-name: {ТИК}
eligible: {Число избирателей}
received: {Получено}
issued: {Выдано досрочно} + {Выдано в помещении} + {Выдано вне помещения}
cancelled: {Погашено}
took-part: {В переносных ящиках} + {В стационарных ящиках}
yes: {Да}
no: {Нет}
not-counted: -
invalid: {Недействительных}
abroad-id: ABROAD
abroad-name: Голосование за рубежом
abroad-precinct: ABROAD-{Номер УИК}
referendum: ru-2020-replay
title: Общероссийское голосование (replay)
date: 2020-07-01
profile: simple-majority
question: Вы одобряете изменения в Конституцию Российской Федерации?
MAP

section "item 15: the map"
expect_ok "a Russia-shaped table: ids composed from region code and repeating numbers" \
    "breaks R2: ru.csv:4 (50-1, УИК №1): ballots in the boxes 705 > ballots issued 700*5 rows (3 regions, 3 districts)*took part 3,480, yes 2,300, no 1,160; 1 rows break a control relation" \
    "$DAUYS" import-csv --map ru.map ru.csv -o ru
expect_eq "  ... precinct ids from two columns, unique though the numbers repeat" "77-1 77-2 50-1 ABROAD-8001 ABROAD-8002 " \
    "$(ids ru precinct)"
expect_eq "  ... district ids likewise" "77-1 50-1 ABROAD " "$(ids ru district)"
expect_eq "  ... two precincts abroad, in one region of kind abroad" \
    "region: ABROAD abroad Голосование за рубежом|precinct: ABROAD-8001 ABROAD|precinct: ABROAD-8002 ABROAD" \
    "$(grep -E '^region: ABROAD' ru/manifest.txt)|$(grep -o '^precinct: ABROAD-8001 ABROAD' ru/manifest.txt)|$(grep -o '^precinct: ABROAD-8002 ABROAD' ru/manifest.txt)"
expect_eq "  ... names from text and columns, a comma inside kept" \
    "district: 77-1 77 ТИК №1, Арбат|УИК №8002" \
    "$(grep '^district: 77-1' ru/manifest.txt)|$(grep -o 'УИК №8002$' ru/manifest.txt)"
expect_eq "  ... received, issued (a sum of three columns), cancelled and in the boxes (two) in the protocol" \
    "ballots_received: 1500|ballots_issued: 930|ballots_cancelled: 570|ballots_in_boxes: 925" \
    "$(grep '^ballots_' ru/protocols/77-1.txt | tr '\n' '|' | sed 's/|$//')"
expect_ok "  ... init" "workspace created" "$DAUYS" init -w ws --manifest ru/manifest.txt --central-key ru/central.pub
expect_exit "  ... ingest rejects the R2 row and warns W1 where 50 ballots issued are not in the boxes" 1 \
    "5 files in*4 accepted, 0 corrections, 1 rejected*1 warnings*reasons: R2 1" \
    "$DAUYS" ingest -w ws ru/protocols
run "$DAUYS" tally -w ws --json
echo "$OUT" >tally.json
# the file's sums over its rows less the rejected one (line 4), by python3
expect_eq "  ... the tally adds up the accepted rows" \
    "$(python3 -c "import csv; r=list(csv.DictReader(open('ru.csv', encoding='utf-8'))); del r[2]; print(*(sum(int(x[c]) for x in r) for c in ['Число избирателей']), sum(int(x['В переносных ящиках']) + int(x['В стационарных ящиках']) for x in r), *(sum(int(x[c]) for x in r) for c in ['Да', 'Нет']))")" \
    "$(python3 -c "import json; n=json.load(open('tally.json'))['questions'][0]['national']; print(n['eligible'], n['took_part'], n['yes'], n['no'])")"
run "$DAUYS" tally -w ws
check "  ... W1 is on the tally" matches "$OUT" "warnings on counting protocols: W1 1"

sed 's/^received: .*/received: -/; s/^cancelled: .*/cancelled: -/' ru.map >issued-only.map
expect_ok "issued without received or cancelled: received = issued, cancelled 0" "5 rows" \
    "$DAUYS" import-csv --map issued-only.map ru.csv -o ru2
expect_eq "  ... in the protocol" "ballots_received: 930|ballots_issued: 930|ballots_cancelled: 0|ballots_in_boxes: 925" \
    "$(grep '^ballots_' ru2/protocols/77-1.txt | tr '\n' '|' | sed 's/|$//')"
sed 's/^cancelled: .*/cancelled: -/' ru.map >received-only.map
expect_ok "received without cancelled: cancelled = received - issued" "5 rows" \
    "$DAUYS" import-csv --map received-only.map ru.csv -o ru3
expect_eq "  ... in the protocol" "ballots_received: 1500|ballots_issued: 930|ballots_cancelled: 570" \
    "$(grep '^ballots_r\|^ballots_is\|^ballots_c' ru3/protocols/77-1.txt | tr '\n' '|' | sed 's/|$//')"

sed 's/^precinct: .*/precinct: {Номер УИК}/' ru.map >number-only.map
expect_exit "precinct numbers alone repeat across regions: refused at both lines" 2 \
    'ru.csv:4: precinct "1" is also the precinct at ru.csv:2: two precincts would become one' \
    "$DAUYS" import-csv --map number-only.map ru.csv -o x1
sed 's/^district: .*/district: {Номер ТИК}/' ru.map >tik-only.map
expect_exit "district numbers alone repeat across regions: refused at both lines" 2 \
    'ru.csv:4: district "1" is in region "50" here and in region "77" at ru.csv:2: two districts would become one (make the district id from the region' \
    "$DAUYS" import-csv --map tik-only.map ru.csv -o x2
sed 's/^region: .*/region: {Регион}/' ru.map >name-as-id.map
expect_exit "a Cyrillic column as an id: the error says what an id may hold" 2 \
    "ru.csv:2: region \"г. Москва\" (from {Регион}): holds a character that is not ASCII; an id is 1 to 64 bytes of ASCII letters, digits, '.', '_' and '-', starting with a letter or digit: make it from columns that hold codes or numbers" \
    "$DAUYS" import-csv --map name-as-id.map ru.csv -o x3
sed 's/^abroad-precinct: .*/abroad-precinct: ABROAD/' ru.map >one-abroad.map
expect_exit "a literal abroad-precinct with two rows abroad: refused at both lines" 2 \
    'ru.csv:6: precinct "ABROAD" is also the precinct at ru.csv:5' \
    "$DAUYS" import-csv --map one-abroad.map ru.csv -o x4

# glued.csv: ids glued from two columns with no separator
printf 'a,b,n,e,t,y,no,inv\n1,23,1,10,5,3,2,0\n12,3,2,10,5,3,2,0\n' >glued.csv
glued_map() { # glued_map REGION DISTRICT: a map of glued.csv with those id templates
    printf 'format: dauys-csv-map 2\nprecinct: {n}\nprecinct-name: P{n}\nregion: %s\nregion-name: R\n' "$1"
    printf 'district: %s\ndistrict-name: D\neligible: {e}\nreceived: -\nissued: -\ncancelled: -\n' "$2"
    printf 'took-part: {t}\nyes: {y}\nno: {no}\nnot-counted: -\ninvalid: {inv}\nabroad-id: ABROAD\n'
    printf 'abroad-name: Abroad\nabroad-precinct: A{n}\nreferendum: r\ntitle: T\ndate: 2020-07-01\n'
    printf 'profile: simple-majority\nquestion: Q?\n'
}
glued_map '{a}{b}' '{a}{b}' >glued-region.map
expect_exit "one region id made from other values (1 + 23, 12 + 3): refused at both lines" 2 \
    'glued.csv:3: region "123" is made from "12" "3" here and from "1" "23" at glued.csv:2: two regions would become one' \
    "$DAUYS" import-csv --map glued-region.map glued.csv -o x14
glued_map 'R' 'R-{a}{b}' >glued-district.map
expect_exit "one district id made from other values: refused at both lines" 2 \
    'glued.csv:3: district "R-123" is made from "12" "3" here and from "1" "23" at glued.csv:2: two districts would become one' \
    "$DAUYS" import-csv --map glued-district.map glued.csv -o x15
glued_map 'R' 'R-{a}-{b}' >glued-ok.map
expect_ok "  ... with a separator they are two districts" "2 rows (1 regions, 2 districts)" \
    "$DAUYS" import-csv --map glued-ok.map glued.csv -o glued

section "item 15: the map file's errors"
sed 's/^invalid: .*/invalid: {Недействительных} + {Нет голоса}/' ru.map >missing.map
expect_exit "a column the CSV lacks is named, spaces and all" 2 'ru.csv:1: no column "Нет голоса" (map missing.map)' \
    "$DAUYS" import-csv --map missing.map ru.csv -o x5
sed 's/^invalid: .*/invalid: {Недействительных} {Да}/' ru.map >badsum.map
expect_exit "a sum without + is named at its line" 2 \
    'badsum.map:16: invalid: a sum is "{COLUMN}" or "{COLUMN} + {COLUMN}"...' \
    "$DAUYS" import-csv --map badsum.map ru.csv -o x6
sed 's/^precinct: .*/precinct: {Код региона}\/{Номер УИК}/' ru.map >badid.map
expect_exit "an id template with a byte no id may hold is named at its line" 2 \
    "badid.map:2: precinct: outside the braces an id may hold only ASCII letters, digits, '.', '_' and '-'" \
    "$DAUYS" import-csv --map badid.map ru.csv -o x7
sed 's/^yes: .*/yes: {Да/' ru.map >open.map
expect_exit "an unclosed brace is named at its line" 2 'open.map:13: yes: a "{" is never closed' \
    "$DAUYS" import-csv --map open.map ru.csv -o x8
sed 's/^format: .*/format: dauys-csv-map 1/' ru.map >v1.map
expect_exit "a version 1 map is refused with what changed" 2 \
    'v1.map:1: format: expected "dauys-csv-map 2" (version 2 puts every column name in braces' \
    "$DAUYS" import-csv --map v1.map ru.csv -o x9
sed 's/^not-counted: -$/not-counted: {Да}-/' ru.map >sumtail.map
expect_exit "text after a sum's last column is refused" 2 'sumtail.map:15: not-counted: a sum is' \
    "$DAUYS" import-csv --map sumtail.map ru.csv -o x10
sed "s/^abroad-name: .*/abroad-name: $(printf 'x%.0s' {1..128})/" ru.map >longname.map
expect_exit "an abroad-name that would be cut is refused at its line" 2 'longname.map:18: abroad-name: a name is at most 127 bytes' \
    "$DAUYS" import-csv --map longname.map ru.csv -o x16
sed '1s/$/,Да/; 2,$s/$/,0/' ru.csv >twice.csv
expect_exit "a column the header has twice is refused" 2 'twice.csv:1: column "Да" is in the header twice' \
    "$DAUYS" import-csv --map ru.map twice.csv -o x11
sed 's/^date: .*/date: 2020-02-30/' ru.map >baddate.map
expect_exit "a bad header value is blamed on the map" 2 \
    "the manifest made with the map baddate.map: manifest.txt:4: date:" \
    "$DAUYS" import-csv --map baddate.map ru.csv -o x12
printf '77,\xff,1,T,9,1,1,0,1,0,0,0,1,0,1,0\n' >>ru.csv
expect_exit "a name that is not UTF-8 is refused at its CSV line" 2 'ru.csv:7: region-name (from {Регион}): not valid UTF-8' \
    "$DAUYS" import-csv --map ru.map ru.csv -o x13

summary
