import pytest

from rankscope.experiments import get_experiment
from rankscope.sweep import Grid, grid_points, parse_grid, parse_grid_values, validate_grid
from rankscope.sweep.grid import config_fields

STAIRCASE_FIELDS = config_fields(get_experiment("staircase").Config)


def test_ranges_are_half_open_like_python():
    assert parse_grid_values("seed", "0:8") == tuple(range(8))
    assert parse_grid_values("seed", "0:20:5") == (0, 5, 10, 15)
    assert parse_grid_values("seed", "5:0:-2") == (5, 3, 1)
    assert parse_grid_values("seed", " -2 : 1 ") == (-2, -1, 0)


def test_lists_are_toml_values_separated_by_comma_or_bar():
    assert parse_grid_values("eps", "1e-6,1e-8") == (1e-6, 1e-8)
    assert parse_grid_values("activation", "tanh|relu") == ("tanh", "relu")
    assert parse_grid_values("flag", "true, false") == (True, False)
    assert parse_grid_values("label", '"a,b"|c') == ("a,b", "c")


def test_list_valued_keys_split_only_outside_brackets():
    two_points = (((2, 50),), ((4, 50),))
    assert parse_grid_values("nets", "[[2,50]],[[4,50]]") == two_points
    assert parse_grid_values("nets", "[[2, 50]] | [[4, 50]]") == two_points
    assert parse_grid_values("nets", "[[2,50],[4,50]]") == (((2, 50), (4, 50)),)
    assert parse_grid_values("stages", '[["adam",30,0.01]]') == ((("adam", 30, 0.01),),)


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ("5:5", r"--grid seed=5:5 is an empty range.*half-open"),
        ("3:0", r"empty range"),
        ("0:4:0", r"step .* must not be 0"),
        ("1,,2", r"has an empty value; separate values with ',' or '\|'"),
        ("", r"has an empty value"),
        ("1,2,1", r"the value 1 is listed twice"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(raw, match):
    with pytest.raises(ValueError, match=match):
        parse_grid_values("seed", raw)


def test_parse_grid_keeps_key_order_and_counts_points():
    grid = parse_grid(["seed=0:3", "nets=[[1,6]]|[[1,8]]"])
    assert grid.keys == ("seed", "nets")
    assert grid.size == 6
    assert Grid.from_dict(grid.as_dict()) == grid
    assert grid.as_dict() == {"seed": [0, 1, 2], "nets": [[[1, 6]], [[1, 8]]]}


@pytest.mark.parametrize(
    ("items", "match"),
    [
        ([], r"the grid is empty: give at least one --grid KEY=VALUES"),
        (["seed"], r"--grid expects KEY=VALUES .* got 'seed'"),
        (["=1,2"], r"the key '' is not a config field name"),
        (["seed=0:2", "seed=4"], r"--grid key 'seed' is given twice"),
    ],
)
def test_bad_grids_are_refused(items, match):
    with pytest.raises(ValueError, match=match):
        parse_grid(items)
    with pytest.raises(TypeError, match="must be a list"):
        parse_grid("seed=0:2")


def test_points_are_the_product_with_the_first_key_slowest():
    points = grid_points(parse_grid(["seed=0:2", "nets=[[1,6]]|[[1,8]]"]))
    assert [(p.settings["seed"], p.settings["nets"]) for p in points] == [
        (0, ((1, 6),)),
        (0, ((1, 8),)),
        (1, ((1, 6),)),
        (1, ((1, 8),)),
    ]
    assert [p.name for p in points] == [
        "seed=0__nets=1_6",
        "seed=0__nets=1_8",
        "seed=1__nets=1_6",
        "seed=1__nets=1_8",
    ]
    assert [p.index for p in points] == [0, 1, 2, 3]


def test_colliding_or_long_names_get_a_hash_and_stay_unique():
    points = grid_points(parse_grid(['label="a b"|"a_b"|c']))
    names = [p.name for p in points]
    assert len(set(names)) == 3
    assert names[0].startswith("label=a_b-") and names[1].startswith("label=a_b-")
    assert names[2] == "label=c"
    long = grid_points(parse_grid(["nets=[" + ",".join(["[4,50]"] * 30) + "]"]))
    assert len(long[0].name) <= 120 and long[0].name[-9] == "-"


def test_unknown_and_dotted_keys_list_the_valid_keys():
    exp = "staircase"
    with pytest.raises(
        ValueError, match=r"\['width'\] are not fields of the 'staircase' config; valid keys: \["
    ):
        validate_grid(parse_grid(["width=25,50"]), STAIRCASE_FIELDS, experiment=exp, overrides={})
    with pytest.raises(ValueError, match=r"model.width.*configs are flat.*valid keys: .*'nets'.*'seed'"):
        validate_grid(parse_grid(["model.width=25,50"]), STAIRCASE_FIELDS, experiment=exp, overrides={})
    with pytest.raises(ValueError, match=r"\['seed'\] are given both in --grid and in --set"):
        validate_grid(parse_grid(["seed=0:2"]), STAIRCASE_FIELDS, experiment=exp, overrides={"seed": 3})
    validate_grid(
        parse_grid(["seed=0:2", "eps=1e-6"]), STAIRCASE_FIELDS, experiment=exp, overrides={"every": 5}
    )
