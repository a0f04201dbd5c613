"""Account features that come from other records: the people an account reaches."""

import logging

import pandas as pd
from splink import DuckDBAPI, Linker

from identity.config import load_config, splink_settings
from identity.resolve import account_contact_keys, account_features


def _accounts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_system": ["crm_a", "crm_b", "crm_b", "crm_c"],
            "account_id": ["A1", "B1", "B2", "C1"],
            "account_name": ["合肥银福汽车零部件有限公司", "Acme Trading", "华纺织", None],
            "credit_code": [None, None, None, None],
            "city": ["合肥", "Tianjin", None, None],
            "phone": [None, None, None, None],
            "website": [None, None, None, None],
        }
    )


def _contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_system": ["crm_a", "crm_b", "crm_b", "crm_b"],
            "account_id": ["A1", "B1", "B1", "B2"],
            "email": ["Wang.Li@yinfu.com", "wang.li@yinfu.com", "info@yinfu.com", None],
            "phone": ["+86 138 0000 1111", None, "13800001111", "021-5555 0000"],
        }
    )


def test_an_accounts_contact_keys_are_its_peoples_emails_and_phones_and_null_without_any():
    keys = account_contact_keys(_accounts(), _contacts())
    assert keys[0] == ["e:wang.li@yinfu.com", "p:13800001111"]
    # info@ is a shared mailbox: nobody's.
    assert keys[1] == ["e:wang.li@yinfu.com", "p:13800001111"]
    assert keys[2] == ["p:2155550000"]
    assert keys[3] is None or (isinstance(keys[3], float) and pd.isna(keys[3]))


def _pairs(features: pd.DataFrame) -> pd.DataFrame:
    """Every blocked pair with its comparison levels (the untrained model: levels only)."""
    inputs = DuckDBAPI().register(features, dataset_display_name="accounts")
    linker = Linker(inputs, splink_settings(load_config()["accounts"]), log_level=logging.WARNING)
    return linker.inference.predict(warning_mode="never").as_pandas_dataframe()


def test_accounts_that_share_a_contact_are_blocked_together_and_compared_on_it():
    # Nothing but the person in common: no other blocking rule pairs these two.
    features = account_features(_accounts(), _contacts())
    pairs = _pairs(features)
    pair = pairs[(pairs["record_id_l"] == "crm_a|A1") & (pairs["record_id_r"] == "crm_b|B1")]
    assert len(pair) == 1 and pair["gamma_shared_contact"].iloc[0] == 1


def test_accounts_without_any_contact_are_compared_without_the_level():
    # An export with no contacts at all: the column is all NULL (DuckDB type NULL).
    accounts = _accounts()
    accounts.loc[1, "account_name"] = accounts.loc[0, "account_name"]  # blocked on the name
    pairs = _pairs(account_features(accounts))
    assert len(pairs) == 1
    assert set(pairs["gamma_shared_contact"]) == {-1}
